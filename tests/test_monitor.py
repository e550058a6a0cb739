"""Monitoring between analyses (issue 17 items 1-3, 7): a hand-worked two-period county.

Three towns with industrial land 甲镇 50 亩, 乙镇 30 亩, 丙镇 20 亩 (shares 0.5 / 0.3 / 0.2) and
丁镇 with warehouse land only (no quota). The plan runs 2021-01-01 … 2021-12-31 (364 days), so
2021-07-02 is half-way and 2021-12-31 the end. Targets: 100 亩, 10 exits (ranked on both).

Period 2021H1: f1 (甲, exit, 20 亩) and f3 (乙, exit, 9 亩) and f5 (丙, exit, 10 亩) closed.
  quotas ×0.5: 甲 25 亩 / 2.5 exits, 乙 15 / 1.5, 丙 10 / 1.
  scores: 甲 (20/25 + 1/2.5)/2 = 0.6; 乙 (9/15 + 1/1.5)/2 = 0.6333; 丙 (1 + 1)/2 = 1.0.
Period 2021H2: f2 (甲, exit, 10 亩), f6 (乙, exit, 12 亩), f4 (乙, upgrade) closed; f5 (丙) reopened
  to 整治中 (复查未达标: 丙 regresses).
  quotas ×1: 甲 50 / 5, 乙 30 / 3, 丙 20 / 2.
  scores: 甲 (30/50 + 2/5)/2 = 0.5; 乙 (21/30 + 2/3)/2 = 0.68333; 丙 0 → last, summoned.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from typer.testing import CliRunner

from ruian_land.cli import app
from ruian_land.core import InputError
from ruian_land.monitor import (
    Snapshot,
    build_bulletin_html,
    compare_snapshots,
    elapsed_fraction,
    load_monitor_config,
    overdue_items,
    parse_deadlines,
    rank_units,
    write_monitor,
)
from ruian_land.rules import load_rules

D1, D2 = dt.date(2021, 7, 2), dt.date(2021, 12, 31)


@pytest.fixture(scope="module")
def rules():
    return load_rules(
        "ruian_default",
        "huangyan_2021",
        {
            "monitor.plan_start": "2021-01-01",
            "monitor.plan_end": "2021-12-31",
            "monitor.ranking_targets": ["freed_area_mu", "firms_exited"],
            "monitor.flag_bottom_n": 1,
            "targets.freed_area_mu": 100,
            "targets.firms_exited": 10,
        },
    )


_PARCELS = [  # parcel_id, town, park, 亩, industrial, low-efficiency H1, H2
    ("p1", "甲镇", "A园", 20, True, True, False),
    ("p2", "甲镇", "", 10, True, True, True),
    ("p3", "甲镇", "", 20, True, False, False),
    ("p4", "乙镇", "B园", 9, True, True, True),
    ("p5", "乙镇", "", 12, True, False, False),
    ("p6", "乙镇", "", 9, True, False, False),
    ("p7", "丙镇", "", 10, True, True, True),
    ("p8", "丙镇", "", 10, True, False, True),
    ("p9", "丁镇", "", 40, False, False, False),
]
_FIRMS = [  # uscc, town, park, parcel, 亩, remedy, status H1, status H2, deadline
    ("f1", "甲镇", "A园", "p1", 20, "关停退出", "已销号", "已销号", "2021-06-30"),
    ("f2", "甲镇", "", "p2", 10, "关停退出", "整治中", "已销号", "2021-12-31"),
    ("f7", "甲镇", "", "p3", 20, "改造提升", "待整治", "待整治", "2021-09-30"),
    ("f3", "乙镇", "B园", "p4", 9, "关停退出", "已销号", "已销号", ""),
    ("f4", "乙镇", "", "p6", 9, "改造提升", "整治中", "已销号", "2021-10-31"),
    ("f6", "乙镇", "", "p5", 12, "整体腾退", "待整治", "已销号", ""),
    ("f5", "丙镇", "", "p7", 10, "关停退出", "已销号", "整治中", "2022年3月31日"),
    ("f8", "丁镇", "", "p9", 40, "关停退出", "待整治", "待整治", "不详"),
]


def _snapshot(label: str, date: dt.date, half: int) -> Snapshot:
    p = pd.DataFrame(
        [(pid, t, pk, a, ind, (lo1, lo2)[half], False) for pid, t, pk, a, ind, lo1, lo2 in _PARCELS],
        columns=[
            "parcel_id",
            "town",
            "park_name",
            "area_mu",
            "is_industrial",
            "is_low_efficiency",
            "is_idle",
        ],
    )
    geoms = [shapely.box(i * 100, 0, i * 100 + 50, 50) for i in range(len(p))]
    parcels = gpd.GeoDataFrame(p, geometry=geoms, crs="EPSG:4549")
    firms = pd.DataFrame(
        [
            {
                "uscc": u,
                "name": f"{u}公司",
                "town": t,
                "park_name": pk,
                "parcel_ids": pid,
                "land_area_mu": float(a),
                "energy_tce_calorific": 0.0,
                "suggested_remedy": r,
                "suggested_freed_area_mu": float(a) if r != "改造提升" else 0.0,
                "suggested_energy_saved_tce": 0.0,
                "status": (s1, s2)[half],
                "remedy_plan": "",
                "responsible_unit": f"{t}人民政府",
                "deadline": d,
            }
            for u, t, pk, pid, a, r, s1, s2, d in _FIRMS
        ]
    )
    return Snapshot(label, date, firms, parcels)


@pytest.fixture(scope="module")
def snaps():
    return [_snapshot("2021H1", D1, 0), _snapshot("2021H2", D2, 1)]


@pytest.fixture(scope="module")
def result(snaps, rules):
    return compare_snapshots(snaps, rules, name="测试县")


def test_pro_rating_by_hand(rules) -> None:
    assert elapsed_fraction(D1, rules) == 0.5
    assert elapsed_fraction(D2, rules) == 1.0
    assert elapsed_fraction(dt.date(2020, 6, 1), rules) == 0.0
    assert elapsed_fraction(dt.date(2021, 4, 2), rules) == pytest.approx(91 / 364)


def test_targets_per_period(result) -> None:
    t = result.targets.set_index(["period", "target_key"])
    h1, h2 = t.loc[("2021H1", "freed_area_mu")], t.loc[("2021H2", "freed_area_mu")]
    assert h1["prorated_target"] == 50 and h1["achieved"] == 39  # 20 + 9 + 10
    assert h1["progress"] == pytest.approx(0.78)
    assert h1["in_progress"] == 10  # f2 under way; f4 (upgrade) frees no land
    assert h2["achieved"] == 51 and h2["progress"] == pytest.approx(0.51) and h2["change"] == 12
    ex = t.loc[("2021H2", "firms_exited")]
    assert (ex["achieved"], ex["prorated_target"], ex["in_progress"]) == (4, 10, 1)
    up = t.loc[("2021H2", "firms_upgraded")]
    assert up["achieved"] == 1  # f4


def test_regressing_town_ranks_last_and_is_summoned(result) -> None:
    towns = result.towns
    assert list(towns.index[:3]) == ["乙镇", "甲镇", "丙镇"]
    assert towns.loc["乙镇", "score"] == pytest.approx((21 / 30 + 2 / 3) / 2)
    assert towns.loc["甲镇", "score"] == pytest.approx(0.5)
    assert towns.loc["丙镇", "score"] == 0
    assert towns.loc["丙镇", "previous_score"] == 1.0 and towns.loc["丙镇", "previous_rank"] == 1
    assert towns.loc["甲镇", "previous_score"] == pytest.approx(0.6)
    assert list(towns["rank"].iloc[:3]) == [1, 2, 3]
    assert bool(towns.loc["丙镇", "regressed"]) and bool(towns.loc["甲镇", "regressed"])  # 0.6 → 0.5
    assert not bool(towns.loc["乙镇", "regressed"])  # 0.633 → 0.683
    assert towns.index[towns["summoned"]].tolist() == ["丙镇"]
    assert "较上期退步" in towns.loc["丙镇", "summon_reason"]
    # 丁镇 has warehouse land only: no quota, not ranked, said so
    assert pd.isna(towns.loc["丁镇", "rank"]) and "不参与排名" in towns.loc["丁镇", "note"]
    assert towns.index[-1] == "丁镇"
    assert any("丁镇" in n and "未参与排名" in n for n in result.notes)
    assert result.summary["summoned"]["town"] == ["丙镇"]


def test_park_ranking_uses_park_land_shares(result) -> None:
    parks = result.parks
    # A园 20 of 100 industrial 亩 → share 0.2: 20 亩 / 20 and 1 exit / 2 → (1 + 0.5) / 2
    assert parks.loc["A园", "share"] == pytest.approx(0.2)
    assert parks.loc["A园", "score"] == pytest.approx(0.75)
    # B园 9 亩 → share 0.09: 9 / 9 = 1, 1 / 0.9 capped at 1 → 1.0, first
    assert parks.index[0] == "B园" and parks.loc["B园", "score"] == pytest.approx(1.0)


def test_ties_share_the_best_rank_and_are_stated(rules) -> None:
    scores = pd.DataFrame({"score": [0.5, 0.5, 0.2, float("nan")]}, index=["东", "西", "南", "北"])
    out = rank_units(scores, None, rules.with_overrides({"monitor.flag_bottom_n": 2}))
    assert out["rank"].tolist()[:3] == [1, 1, 3]
    assert out.loc["东", "tied_with"] == "西" and "并列" in out.loc["西", "note"]
    # the bottom two: 南, then the cut at 0.5 takes both tied towns
    assert set(out.index[out["summoned"]]) == {"东", "西", "南"}
    assert pd.isna(out.loc["北", "rank"]) and not out.loc["北", "summoned"]


def test_overdue_on_injected_dates(snaps) -> None:
    o = overdue_items(snaps[1], snaps[0], D2)
    assert o["uscc"].tolist() == ["f7"]  # 待整治 past 2021-09-30; f4 closed, f2 closed on time
    row = o.iloc[0]
    assert row["days_overdue"] == 92 and row["responsible_unit"] == "甲镇人民政府"
    assert bool(row["status_unchanged"]) and row["previous_status"] == "待整治"
    assert o.attrs["unreadable"] == ["f8"]
    later = overdue_items(snaps[1], snaps[0], dt.date(2022, 6, 30))
    assert later["uscc"].tolist() == ["f7", "f5"]  # 2022年3月31日 read as a date
    assert later.set_index("uscc").loc["f5", "days_overdue"] == 91
    assert not later.set_index("uscc").loc["f5", "status_unchanged"]  # 已销号 → 整治中


def test_as_of_before_the_latest_period_is_refused(snaps, rules) -> None:
    with pytest.raises(InputError, match="before the latest period"):
        compare_snapshots(snaps, rules, as_of=dt.date(2021, 12, 1))


def test_changes_since_the_previous_period(result) -> None:
    ch = result.changes.set_index("parcel_id")["change"].to_dict()
    assert ch == {
        "p1": "no_longer_low_efficiency",
        "p2": "closed",
        "p5": "closed",
        "p6": "closed",
        "p8": "new_low_efficiency",
    }
    tc = result.town_changes
    assert (
        tc.loc["丙镇", "low_efficiency_change_mu"] == 10 and tc.loc["甲镇", "low_efficiency_change_mu"] == -20
    )


def test_bulletin_html_and_files(result, tmp_path: Path) -> None:
    html = build_bulletin_html(result)
    assert (
        "@page { size: A4 landscape" in html
        and "<script" not in html
        and "http" not in html.split("<body>")[1]
    )
    assert 'data-key="丙镇"' in html and "建议通报约谈" in html and "甲镇人民政府" in html
    paths = write_monitor(result, tmp_path / "m")
    assert {p.name for p in paths.values()} == {"通报.html", "通报.xlsx", "monitor.json"}
    summary = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert summary["targets"]["freed_area_mu"]["achieved"] == 51
    assert summary["towns"][-2]["name"] == "丙镇" and summary["towns"][-2]["summoned"]
    book = pd.read_excel(paths["xlsx"], sheet_name=None, engine="openpyxl")
    assert "镇街排名" in book and "逾期事项" in book
    assert book["逾期事项"]["责任单位"].tolist() == ["甲镇人民政府"]


# --- the monitoring file and the command -----------------------------------------------


def test_bad_period_config_names_file_key_and_fix(tmp_path: Path) -> None:
    bad = tmp_path / "monitor.yaml"
    bad.write_text("periods:\n  - {label: 2022Q4, dat: 2022-12-31}\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_monitor_config(bad)
    text = str(exc.value)
    assert "monitor.yaml" in text and "periods.0.dat" in text and "date" in text
    r = CliRunner().invoke(app, ["monitor", "-c", str(bad), "--out", str(tmp_path / "o")])
    assert r.exit_code == 2, r.output
    assert "periods.0" in r.output and "monitor.yaml" in r.output


SAMPLE_MONITOR = Path(__file__).resolve().parents[1] / "data" / "monitor.yaml"


@pytest.mark.skipif(not SAMPLE_MONITOR.exists(), reason="sample county data/monitor.yaml not generated")
def test_cli_on_the_sample_periods(tmp_path: Path) -> None:
    out = tmp_path / "monitor"
    r = CliRunner().invoke(
        app, ["monitor", "-c", str(SAMPLE_MONITOR), "--out", str(out), "--as-of", "2023-01-15", "--verbose"]
    )
    assert r.exit_code == 0, r.output
    # --verbose: each period's stage seconds and peak memory
    assert "period 2022Q2:" in r.output and "period 2022Q4:" in r.output and "peak MB" in r.output
    assert {p.name for p in out.iterdir()} == {"通报.html", "通报.xlsx", "monitor.json"}
    s = json.loads((out / "monitor.json").read_text(encoding="utf-8"))
    assert s["periods"] == ["2022Q2", "2022Q4"] and s["as_of"] == "2023-01-15"
    towns = s["towns"]
    # 湖岭镇's two closed firms failed the re-check: from first in 2022Q2 to last, summoned
    assert towns[0]["name"] != "湖岭镇"
    last = [t for t in towns if t["rank"] is not None][-1]
    assert last["name"] == "湖岭镇" and last["summoned"] and last["regressed"] and last["previous_rank"] == 1
    assert "湖岭镇" in s["summoned"]["town"]
    # one 待整治 firm per town past its 2022-09-30 deadline, plus the 整治中 ones due 2022-06-30 … 09-30
    assert s["overdue"]["firms"] >= 11
    assert s["targets"]["firms_exited"]["elapsed"] == pytest.approx(729 / 1094)
    # CO₂ follows the energy credited (energy.co2_t_per_tce_freed = 2.0, scenario.co2_method per_tce)
    tce = s["targets"]["freed_energy_tce"]["achieved"]
    assert tce > 0 and s["targets"]["co2_reduction_t"]["achieved"] == pytest.approx(2.0 * tce)
    bad = CliRunner().invoke(
        app, ["monitor", "-c", str(SAMPLE_MONITOR), "--out", str(tmp_path / "x"), "--as-of", "2022-01-01"]
    )
    assert bad.exit_code == 2 and "before the latest period" in bad.output


@pytest.mark.browser
def test_bulletin_in_a_browser_prints_a4_landscape(browser_page: Any, result, tmp_path: Path) -> None:
    path = write_monitor(result, tmp_path / "b")["html"]
    page = browser_page.page
    requests: list[str] = []
    page.on("request", lambda q: requests.append(q.url))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    assert requests == [path.as_uri()]
    assert browser_page.blocked == [] and browser_page.console_errors == [] and browser_page.page_errors == []
    images = page.evaluate(
        "() => Array.from(document.images).map(i => [i.className, i.complete, i.naturalWidth])"
    )
    assert sorted(c for c, _, _ in images) == ["chart", "chart", "map"]
    assert all(done and width > 0 for _, done, width in images)
    assert page.inner_text("#town-ranking tbody tr:nth-child(3) td[data-col=name]") == "丙镇"
    assert "建议通报约谈" in page.inner_text("#town-ranking tbody tr:nth-child(3)")
    page_rules = page.evaluate(
        "() => Array.from(document.styleSheets[0].cssRules).filter(r => r.type === 6).map(r => r.cssText)"
    )
    assert any("landscape" in t for t in page_rules), page_rules
    pdf = page.pdf(prefer_css_page_size=True)
    box = re.search(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)", pdf)
    assert box is not None and float(box.group(1)) > float(box.group(2))  # wider than tall: landscape


def test_help_is_plain_with_an_example() -> None:
    res = CliRunner().invoke(app, ["monitor", "--help"])
    assert res.exit_code == 0 and "<bool>" not in res.output and "--verbose" in res.output
    assert re.search(r"Examples?:\s+ruian-land monitor", res.output), res.output


def test_config_quotas_and_ties_are_stated(snaps, rules) -> None:
    # 乙镇 given 0.41: (21/41 + 2/4.1) / 2 = 0.5, the same as 甲镇's (30/50 + 2/5) / 2
    quotas = {"town": {"甲镇": 0.5, "乙镇": 0.41, "丙镇": 0.09}}
    r = compare_snapshots(snaps, rules, quotas=quotas)
    towns = r.towns
    assert towns.loc["甲镇", "rank"] == towns.loc["乙镇", "rank"] == 1 and towns.loc["丙镇", "rank"] == 3
    assert towns.loc["甲镇", "tied_with"] == "乙镇" and towns.loc["乙镇", "note"] == "与甲镇并列"
    assert any("并列第 1 名: 乙镇、甲镇" in n or "并列第 1 名: 甲镇、乙镇" in n for n in r.notes), r.notes
    assert any("quotas" in n for n in r.notes)  # the rule used is stated
    assert pd.isna(towns.loc["丁镇", "rank"])  # not in the quotas: no quota, not ranked


def _monitor_file(tmp_path: Path, period: str) -> Path:
    project = Path(__file__).resolve().parents[1] / "data" / "project.yaml"
    path = tmp_path / "monitor.yaml"
    path.write_text(f"project: {project}\nperiods:\n  - {period}\n", encoding="utf-8")
    return path


@pytest.mark.skipif(not SAMPLE_MONITOR.exists(), reason="sample county not generated")
@pytest.mark.parametrize(
    ("period", "words"),
    [
        (
            "{label: Q4, date: 2022-12-31, rectification_list: 无此文件.xlsx}",
            ["整治清单", "无此文件.xlsx", "Q4"],
        ),
        (
            "{label: Q4, date: 2022-12-31, sources: {taxes: {path: t.csv}}}",
            ["periods.0.sources", "taxes", "did you mean 'tax'"],
        ),
        ("{label: Q4, date: 2022-13-31}", ["not a real date", "YYYY-MM-DD"]),
    ],
)
def test_bad_period_exits_2_before_any_run(tmp_path: Path, period: str, words: list[str]) -> None:
    path = _monitor_file(tmp_path, period)
    r = CliRunner().invoke(app, ["monitor", "-c", str(path), "--out", str(tmp_path / "o")])
    assert r.exit_code == 2, r.output
    for w in words:
        assert w in r.output, r.output
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("as_of", ["下月底", "", "now", "today", "2023-1-15", "2023-02-30"])
def test_as_of_not_a_date_exits_2(tmp_path: Path, as_of: str) -> None:
    path = _monitor_file(tmp_path, "{label: Q4, date: 2022-12-31}")
    r = CliRunner().invoke(app, ["monitor", "-c", str(path), "--as-of", as_of, "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "YYYY-MM-DD" in r.output, r.output


def test_one_period_has_no_previous_and_still_writes(rules, tmp_path: Path) -> None:
    r = compare_snapshots([_snapshot("2021H1", D1, 0)], rules)
    assert r.towns["previous_score"].isna().all() and not r.towns["regressed"].any()
    assert r.changes.empty and r.town_changes["previous_low_efficiency_mu"].isna().all()
    assert r.towns.index[r.towns["summoned"]].tolist() == ["甲镇"]  # 0.6, the lowest of 0.6 / 0.633 / 1.0
    paths = write_monitor(r, tmp_path)
    assert "只有一期数据" in paths["html"].read_text(encoding="utf-8")


def test_deadlines_in_the_forms_planners_type() -> None:
    cells = pd.Series(
        ["2022-9-30", "2022/9/30", "2022.9.30", "2022年9月30日", "2022-09-30 00:00:00", "", "月底"]
    )
    dates, unreadable = parse_deadlines(cells.astype(object))
    assert dates.iloc[:5].dt.date.tolist() == [dt.date(2022, 9, 30)] * 5
    assert pd.isna(dates.iloc[5]) and unreadable.tolist() == [False] * 6 + [True]


def test_in_progress_credit_counts_part_of_the_firms_under_way(snaps, rules) -> None:
    half = rules.with_overrides({"monitor.in_progress_credit": 0.5})
    t = compare_snapshots(snaps, half).targets.set_index(["period", "target_key"])
    assert t.loc[("2021H1", "freed_area_mu"), "achieved"] == 39 + 0.5 * 10  # f2 整治中
    assert t.loc[("2021H2", "freed_area_mu"), "achieved"] == 51 + 0.5 * 10  # f5 整治中 again


def test_planner_remedies_count_energy_and_co2_of_the_scenario_rules(rules) -> None:
    """CO₂ follows the energy credited: 2.0 t/tce (energy.co2_t_per_tce_freed, co2_method per_tce).

    g1: scenario picked 改造提升 (498.6 tce saved, 997.2 t) but the planner shut it (关停退出):
        the exit's effect, all its 74.8 tce → 149.6 t, and its 8 亩.
    g2: an exit the scenario did not pick: all its 124.8 tce → 249.6 t, and its 5 亩.
    g3: picked and kept as suggested (关停退出): the scenario's own 30 tce / 61 t / 4 亩.
    """
    from ruian_land.monitor.progress import firm_measures

    firms = pd.DataFrame(
        {
            "uscc": ["g1", "g2", "g3"],
            "land_area_mu": [8.0, 5.0, 4.0],
            "energy_tce_calorific": [74.8, 124.8, 30.0],
            "suggested_remedy": ["改造提升", "", "关停退出"],
            "suggested_freed_area_mu": [0.0, 0.0, 4.0],
            "suggested_energy_saved_tce": [498.6, 0.0, 30.0],
            "co2_reduction_t": [997.2, 0.0, 61.0],
            "remedy_plan": ["关停退出", "关停退出", ""],
        }
    )
    m = firm_measures(firms, rules)
    assert m["freed_energy_tce"].tolist() == pytest.approx([74.8, 124.8, 30.0])
    assert m["co2_reduction_t"].tolist() == pytest.approx([149.6, 249.6, 61.0])
    assert m["freed_area_mu"].tolist() == pytest.approx([8.0, 5.0, 4.0])
    assert m["firms_exited"].tolist() == [1.0, 1.0, 1.0]


def _uscc(body: str) -> str:
    from ruian_land.core.codes import uscc_check_char

    return body + uscc_check_char(body)


def test_mistyped_code_in_the_edited_list_is_refused(tmp_path: Path) -> None:
    """A 整治清单 row whose code is ``123`` would be a phantom 已销号 firm while the real one
    restarts at 待整治: refused with file, row, code and the firm its 企业名称 names."""
    from ruian_land.screening import merge_status

    a, b, gone = _uscc("91330381MA2AAAAA1"), _uscc("91330381MA2BBBBB1"), _uscc("91330381MA2CCCCC1")
    new = pd.DataFrame({"uscc": [a, b], "name": ["甲公司", "乙公司"], "status": ["待整治"] * 2})
    known = pd.DataFrame({"uscc": [a, b, gone], "name": ["甲公司", "乙公司", "丙公司"]})
    path = tmp_path / "整治清单.csv"
    pd.DataFrame(
        {
            "统一社会信用代码": [a, "123", gone],
            "企业名称": ["甲公司", "乙公司", "丙公司"],
            "整治状态": ["整治中", "已销号", "已销号"],
        }
    ).to_csv(path, index=False, encoding="utf-8-sig")
    with pytest.raises(InputError) as err:
        merge_status(new, path, as_of="2022-12-31", known_firms=known)
    msg = str(err.value)
    for word in ("整治清单.csv", "'123'", "row 3", "GB 32100", b, "乙公司"):
        assert word in msg
    # a valid code of a firm still in the data but no longer flagged is kept, as before
    pd.DataFrame({"统一社会信用代码": [a, gone], "整治状态": ["整治中", "已销号"]}).to_csv(
        path, index=False, encoding="utf-8-sig"
    )
    merged = merge_status(new, path, as_of="2022-12-31", known_firms=known).set_index("uscc")
    assert merged.loc[gone, "status"] == "已销号" and merged.loc[a, "status"] == "整治中"
    assert not bool(merged.loc[gone, "on_current_list"])
    # a valid code of no firm of the data is refused too
    known2 = known.iloc[:2]
    with pytest.raises(InputError, match="matches no firm"):
        merge_status(new, path, as_of="2022-12-31", known_firms=known2)


def test_quota_for_a_town_not_in_the_data_is_refused(snaps, rules) -> None:
    with pytest.raises(InputError) as err:
        compare_snapshots(snaps, rules, quotas={"town": {"甲镇": 0.5, "乙真": 0.3}}, config_path="m.yaml")
    msg = str(err.value)
    for word in ("m.yaml", "quotas.town", "乙真", "not in the towns layer", "did you mean '乙镇'"):
        assert word in msg, msg
    with pytest.raises(InputError, match="park 'C园'"):
        compare_snapshots(snaps, rules, quotas={"park": {"C园": 0.5}})


_RULES_2021 = {
    "monitor.plan_start": "2021-01-01",
    "monitor.plan_end": "2021-12-31",
    "monitor.ranking_targets": ["freed_area_mu", "firms_exited"],
    "monitor.flag_bottom_n": 1,
}


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("monitor.progress_cap", 0, ["monitor.progress_cap = 0", "> 0"]),
        ("monitor.flag_bottom_n", -1, ["monitor.flag_bottom_n = -1", "≥ 0"]),
        # 3 towns ranked (甲 乙 丙; 丁 has no quota): flagging all 3 ranks nobody
        ("monitor.flag_bottom_n", 3, ["monitor.flag_bottom_n = 3", "3 ranked towns", "0 … 2"]),
    ],
)
def test_nonsense_rule_values_are_refused(snaps, key: str, value: float, words: list[str]) -> None:
    bad = load_rules("ruian_default", "huangyan_2021", {**_RULES_2021, key: value})
    with pytest.raises(InputError) as err:
        compare_snapshots(snaps, bad, rules_path="project.yaml")
    msg = str(err.value)
    for word in ("project.yaml", *words):
        assert word in msg, msg


@pytest.mark.parametrize(
    ("key", "value"), [("monitor.in_progress_credit", 1.5), ("monitor.progress_cap", -1.5)]
)
def test_fractions_outside_0_1_are_refused_when_the_rules_load(key: str, value: float) -> None:
    with pytest.raises(InputError, match=re.escape(f"'{key}' = {value}")):
        load_rules("ruian_default", "huangyan_2021", {**_RULES_2021, key: value})


def _project_with_overrides(tmp_path: Path, overrides: str) -> Path:
    sample = Path(__file__).resolve().parents[1] / "data" / "project.yaml"
    text = sample.read_text(encoding="utf-8")
    text = re.sub(r"^rules: \{(.*)\}$", rf"rules: {{\1, overrides: {{{overrides}}}}}", text, flags=re.M)
    (tmp_path / "project.yaml").write_text(text + f"\nroot: {sample.parent}\n", encoding="utf-8")
    return tmp_path / "project.yaml"


def test_unquoted_plan_end_date_is_accepted(tmp_path: Path) -> None:
    from ruian_land.config import load_config

    path = _project_with_overrides(tmp_path, "monitor.plan_end: 2024-06-30")
    assert load_config(path).load_rules().value("monitor.plan_end") == "2024-06-30"


@pytest.mark.skipif(not SAMPLE_MONITOR.exists(), reason="sample county not generated")
def test_plan_end_before_plan_start_exits_2_before_any_run(tmp_path: Path) -> None:
    project = _project_with_overrides(tmp_path, "monitor.plan_end: 2020-01-01")
    path = tmp_path / "monitor.yaml"
    path.write_text(f"project: {project}\nperiods:\n  - {{label: Q4, date: 2022-12-31}}\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["monitor", "-c", str(path), "--out", str(tmp_path / "o")])
    assert r.exit_code == 2, r.output
    for word in ("project.yaml", "monitor.plan_end 2020-01-01", "not after monitor.plan_start"):
        assert word in r.output, r.output
    assert not (tmp_path / "o").exists()


def test_open_firms_with_an_unreadable_deadline_are_listed(result, tmp_path: Path) -> None:
    """f8 (丁镇, 待整治) has 完成时限 不详: not overdue, not dropped either."""
    assert result.undated["uscc"].tolist() == ["f8"]
    assert result.undated.iloc[0]["note"] == "完成时限无法识别"
    assert any("完成时限无法识别" in n and "f8公司(不详)" in n for n in result.notes)
    paths = write_monitor(result, tmp_path / "m")
    summary = json.loads(paths["json"].read_text(encoding="utf-8"))
    assert summary["overdue"]["unreadable_deadline"] == [
        {"uscc": "f8", "name": "f8公司", "deadline": "不详", "note": "完成时限无法识别"}
    ]
    book = pd.read_excel(paths["xlsx"], sheet_name="完成时限无法识别", engine="openpyxl", dtype=str)
    assert book.iloc[:, 0].tolist() == ["f8"] and "不详" in book.iloc[0].tolist()
    assert "f8公司(不详)" in build_bulletin_html(result)


def test_rule_override_out_of_range_names_the_project_config(tmp_path: Path) -> None:
    from ruian_land.config import load_config

    path = _project_with_overrides(tmp_path, "monitor.in_progress_credit: 1.5")
    with pytest.raises(InputError) as err:
        load_config(path).load_rules()
    msg = str(err.value)
    for word in ("project.yaml", "monitor.in_progress_credit", "1.5", "[0, 1]"):
        assert word in msg, msg
