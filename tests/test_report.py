"""The leadership report (领导小组汇报): one self-contained, printable Chinese HTML page.

Built once from the sample run: every figure on the page equals the run's ``summary.json`` (targets
included, so none is written in the code), there is one map per shown candidate site, nothing points
to the network, every name from the data is escaped, and a real browser (Debian chromium through
Playwright, network closed) opens it with no request but the file itself and prints it to A4 PDF.
"""

from __future__ import annotations

import copy
import html
import re
from pathlib import Path
from typing import Any

import pytest

from ruian_land import Project
from ruian_land.report import (
    CLASS_LABELS,
    TARGET_ROWS,
    build_report_html,
    format_number,
    top_sites,
    write_report,
)

EVIL = "<script>alert(1)</script>"
SECTIONS = ("title", "targets", "classes", "laggards", "sites", "quality", "rules")


@pytest.fixture(scope="module")
def run() -> Any:
    """The sample county's RunResult (all stages, nothing written)."""
    return Project.sample().result()


def _pieces(r: Any) -> dict[str, Any]:
    return {
        "summary": r.summary,
        "sites": r.sites,
        "parcels": r.parcels,
        "firms": r.firms,
        "rules_frame": r.rules.to_frame(),
        "ledger_summary": r.ledger.summary(),
        "towns": r.towns,
        "control_lines": r.control_lines,
        "rectification_summary": r.rectification_summary,
    }


@pytest.fixture(scope="module")
def report(run: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    path = write_report(tmp_path_factory.mktemp("report") / "汇报" / "report.html", **_pieces(run))
    return path, path.read_text(encoding="utf-8")


def _table(page: str, table_id: str) -> str:
    m = re.search(rf'<table id="{table_id}">(.*?)</table>', page, re.S)
    assert m, f"no table {table_id}"
    return m.group(1)


def _rows(page: str, table_id: str) -> dict[str, str]:
    return dict(re.findall(r'<tr data-key="([^"]*)">(.*?)</tr>', _table(page, table_id), re.S))


def _cell(row: str, col: str) -> tuple[str, float | None]:
    """(shown text, data-value) of the cell of column ``col`` in a row's HTML."""
    m = re.search(rf'<td data-col="{col}"([^>]*)>(.*?)</td>', row, re.S)
    assert m, f"no cell {col}"
    v = re.search(r'data-value="([^"]*)"', m.group(1))
    return html.unescape(m.group(2)), (float(v.group(1)) if v else None)


def test_written_utf8_with_every_section_in_order(report: tuple[Path, str], run: Any) -> None:
    path, page = report
    assert path.name == "report.html" and path.parent.name == "汇报"
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    s = run.summary
    assert f"<h1>{html.escape(s['project'])}</h1>" in page
    assert f"{s['data_year']}年" in page and s["evaluation_date"] in page
    positions = [page.index(f'id="{name}"') for name in SECTIONS]
    assert positions == sorted(positions)
    assert "@page { size: A4; margin: 15mm; }" in page and "page-break-inside: avoid" in page


def test_targets_equal_the_summary(report: tuple[Path, str], run: Any) -> None:
    sc = run.summary["scenario"]
    rows = _rows(report[1], "targets-table")
    for key, _, _, digits in TARGET_ROWS:
        text, value = _cell(rows[key], "actual")
        assert value == pytest.approx(sc[key]) and text == format_number(sc[key], digits), key
        text, value = _cell(rows[key], "target")
        assert value == pytest.approx(sc["targets"][key]) and text == format_number(
            sc["targets"][key], digits
        )
        met = sc[key] >= sc["targets"][key]
        assert _cell(rows[key], "status")[0] == ("达成" if met else "未达成"), key
    # the headline the brief names: 腾出低效用地 in the report's format
    assert _cell(rows["freed_area_mu"], "actual")[0] == f"{sc['freed_area_mu']:,.1f}"
    tax = rows["tax_per_mu"]
    assert (
        _cell(tax, "target")[1] == pytest.approx(sc["target_tax_per_mu"]) == run.summary["target_tax_per_mu"]
    )
    assert _cell(tax, "before")[1] == pytest.approx(sc["tax_per_mu_before"])
    assert _cell(tax, "actual")[1] == pytest.approx(sc["tax_per_mu_after"])
    met = sc["tax_per_mu_after"] >= sc["target_tax_per_mu"]
    assert _cell(tax, "status")[0] == ("达成" if met else "未达成")


def test_targets_are_read_from_the_summary_not_the_code(run: Any) -> None:
    pieces = _pieces(run)
    summary = copy.deepcopy(run.summary)
    summary["scenario"]["targets"]["freed_area_mu"] = 98765.0
    summary["scenario"]["target_tax_per_mu"] = 1.0
    page = build_report_html(**{**pieces, "summary": summary, "sites": run.sites.head(1)})
    rows = _rows(page, "targets-table")
    assert _cell(rows["freed_area_mu"], "target") == ("98,765.0", 98765.0)
    assert _cell(rows["freed_area_mu"], "status")[0] == "未达成"
    assert _cell(rows["tax_per_mu"], "target")[1] == 1.0 and _cell(rows["tax_per_mu"], "status")[0] == "达成"


def test_class_counts_equal_the_summary(report: tuple[Path, str], run: Any) -> None:
    counts = run.summary["class_counts"]
    rows = _rows(report[1], "class-table")
    assert set(rows) == {*counts, "total"}
    for k, n in counts.items():
        assert _cell(rows[k], "count")[1] == n and _cell(rows[k], "class")[0] == CLASS_LABELS[k]
    assert _cell(rows["total"], "count")[1] == sum(counts.values())
    assert 'class="chart"' in report[1]


def test_one_map_per_shown_site_in_rank_order(report: tuple[Path, str], run: Any) -> None:
    page = report[1]
    n = min(5, len(run.sites))
    shown = re.findall(r'<figure class="site" data-site="([^"]*)">', page)
    assert len(shown) == n == page.count('<img class="site-map"')
    assert shown == list(top_sites(run.sites, 5)["site_id"])
    assert shown == list(run.sites.sort_values("rank")["site_id"].head(n))  # the sample's best ranks qualify
    rows = _rows(page, "sites-table")
    for sid in shown:
        area = float(run.sites.loc[run.sites["site_id"] == sid, "area_mu"].iloc[0])
        assert _cell(rows[sid], "area_mu")[1] == pytest.approx(area)
    fewer = build_report_html(**{**_pieces(run), "n_sites": 2})
    assert fewer.count('<img class="site-map"') == min(2, len(run.sites))


def test_laggards_and_quality_and_rules_tables(report: tuple[Path, str], run: Any) -> None:
    page = report[1]
    towns = _rows(page, "town-table")
    parks = _rows(page, "park-table")
    assert 0 < len(towns) <= 5 and 0 < len(parks) <= 5 and "园区外" not in parks
    shares = [_cell(r, "low_share")[1] for r in towns.values()]
    assert shares == sorted(shares, reverse=True)
    t = run.rectification_summary["town"].set_index("town")
    for name, row in towns.items():
        assert _cell(row, "low_efficiency_area_mu")[1] == pytest.approx(t.loc[name, "low_efficiency_area_mu"])
    ledger = _rows(page, "ledger-table")
    assert list(ledger) == list(run.ledger.summary())
    for name, c in run.ledger.summary().items():
        for col in ("rows_in", "kept", "repaired", "rejected"):
            assert _cell(ledger[name], col)[1] == c[col], (name, col)
        assert _cell(ledger[name], "check")[0] == "一致"
    assert '<th data-col="rows_in">读入行数</th>' in page
    rules = run.rules.to_frame()
    assert len(_rows(page, "rules-table")) == len(rules)
    for header in ("键", "值", "单位", "状态", "来源"):
        assert f">{header}</th>" in _table(page, "rules-table")


def test_nothing_points_to_the_network(report: tuple[Path, str]) -> None:
    page = report[1]
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    assert not re.search(r"<script", page, re.I) and "@import" not in page
    assert not re.search(r"<link\b", page, re.I) and "url(" not in page and "@font-face" not in page
    srcs = re.findall(r'<img [^>]*src="([^"]*)"', page)
    assert srcs and all(s.startswith("data:image/png;base64,") for s in srcs)


def _evil_pieces(run: Any) -> dict[str, Any]:
    """The sample run with markup in the project, a firm, a site id, every town and a rule source."""
    pieces = _pieces(run)
    summary = copy.deepcopy(run.summary)
    summary["project"] = EVIL
    evil_town = {t: f"{EVIL}{t}" for t in run.rectification_summary["town"]["town"]}
    firms = run.firms.copy()
    firms["town"] = firms["town"].replace(evil_town)
    worst = firms[firms["eval_class"] == "D"].sort_values("tax_per_mu", kind="stable").index[0]
    firms.loc[worst, "name"] = EVIL
    parcels = run.parcels.copy()
    parcels["town"] = parcels["town"].replace(evil_town)
    sites = run.sites.sort_values("rank").head(2).copy()
    sites["town"] = sites["town"].replace(evil_town)
    sites.loc[sites.index[0], "site_id"] = EVIL
    towns = run.towns.copy()
    towns["town"] = towns["town"].replace(evil_town)
    rs = dict(run.rectification_summary)
    rs["town"] = rs["town"].assign(town=rs["town"]["town"].replace(evil_town))
    rules = pieces["rules_frame"].copy()
    rules.loc[rules.index[0], "source"] = EVIL
    return {
        **pieces,
        "summary": summary,
        "firms": firms,
        "parcels": parcels,
        "sites": sites,
        "towns": towns,
        "rectification_summary": rs,
        "rules_frame": rules,
    }


def test_names_from_the_data_are_escaped(run: Any) -> None:
    page = build_report_html(**_evil_pieces(run))
    assert EVIL not in page and "<script" not in page
    escaped = html.escape(EVIL)
    assert f"<h1>{escaped}</h1>" in page and f"<title>{escaped}" in page
    assert escaped in _table(page, "d-firms") and escaped in _table(page, "rules-table")
    assert f'data-site="{escaped}"' in page and escaped in _table(page, "sites-table")
    towns = [html.unescape(k) for k in _rows(page, "town-table")]
    assert towns and all(t.startswith(EVIL) for t in towns)


@pytest.mark.browser
def test_browser_opens_offline_shows_images_and_prints_a4(
    browser_page: Any, report: tuple[Path, str], run: Any, tmp_path: Path
) -> None:
    page = browser_page.page
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    path = report[0]
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    assert requests == [path.as_uri()]  # the file itself, nothing else
    assert browser_page.blocked == [] and browser_page.console_errors == [] and browser_page.page_errors == []
    sizes = page.evaluate(
        "() => Array.from(document.images).map(i => [i.className, i.complete, i.naturalWidth])"
    )
    n_maps = min(5, len(run.sites))
    assert [c for c, _, _ in sizes].count("site-map") == n_maps
    assert all(done and width > 0 for _, done, width in sizes), sizes
    assert page.locator("section").count() == len(SECTIONS) - 1  # the title is a <header>
    assert "目标对照" in page.inner_text("#targets h2")
    pdf = page.pdf(format="A4")
    assert pdf[:4] == b"%PDF" and len(pdf) > 10_000

    evil = write_report(tmp_path / "evil.html", **_evil_pieces(run))
    page.goto(evil.as_uri())
    page.wait_for_load_state("load")
    assert browser_page.dialogs == [] and EVIL in page.inner_text("h1")
    assert page.evaluate("document.querySelectorAll('script').length") == 0
