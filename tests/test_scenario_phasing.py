"""Phasing over 2021–2023: yearly capacities and plan milestones, in the MILP and by the heuristic."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from test_scenario import RULES, instance, remedies

from ruian_land.scenario import optimise, phase

SIX10 = [(f"G{i}", float(i)) for i in range(1, 7)]  # six firms, 10 亩 each, tax 1 … 6


def six10(**over: Any) -> Any:
    r = RULES.with_overrides({"scenario.remedies": ["relocate"], **over})
    firms = [{"uscc": u, "tax_wan": t} for u, t in SIX10]
    links = [(u, "P" + u, 10.0) for u, _ in SIX10]
    return instance(firms, links, {"P" + u: 10.0 for u, _ in SIX10}, rules=r), r


def test_phasing_inside_the_milp_respects_capacities_and_milestones() -> None:
    # All six must relocate (60 亩). At most 1, 2, 3 firms in 2021, 2022, 2023 and milestones of
    # 1/6 and 3/6 of 60 亩 by the end of 2021 and 2022: exactly 1, 2 and 3 firms.
    (scr, f, lk, p), r = six10(
        **{"scenario.yearly_capacity_firms": [1, 2, 3], "scenario.yearly_share": [1, 2, 3]}
    )
    res = optimise(scr, f, lk, p, r, targets={"freed_area_mu": 60}, phasing="milp")
    assert res.status == "optimal" and res.summary["phasing"] == "milp"
    by = res.by_year.set_index("year")
    assert by["firms_acted"].tolist() == [1, 2, 3]
    assert by["freed_area_mu"].tolist() == pytest.approx([10.0, 20.0, 30.0])
    assert by["milestone_freed_area_mu"].tolist() == pytest.approx([10.0, 30.0, 60.0])
    assert by["capacity_ok"].all() and res.summary["milestones_met"] and res.summary["capacity_ok"]
    assert res.summary["tax_change_wan"] == pytest.approx(-(0.4 * 21))
    # each freed parcel carries the year its firm left
    sel = res.selection.set_index("uscc")["year"]
    fp = res.freed_parcels.set_index("parcel_id")["year"]
    assert all(fp["P" + str(u)] == y for u, y in sel.items())


def test_capacity_makes_targets_unreachable() -> None:
    # One firm a year: only 3 of the 6 parcels can be freed → 30 亩 short.
    (scr, f, lk, p), r = six10(
        **{"scenario.yearly_capacity_firms": [1, 1, 1], "scenario.phasing_milestones": False}
    )
    res = optimise(scr, f, lk, p, r, targets={"freed_area_mu": 60}, phasing="milp")
    assert not res.feasible and res.summary["binding_targets"] == ["freed_area_mu"]
    assert res.summary["shortfalls"]["freed_area_mu"] == pytest.approx(30.0)
    assert res.by_year["firms_acted"].tolist() == [1, 1, 1]
    # the heuristic path has the same total capacity (3) as a constraint of its one-period model
    res = optimise(scr, f, lk, p, r, targets={"freed_area_mu": 60}, phasing="heuristic")
    assert res.summary["phasing"] == "heuristic" and res.summary["freed_area_mu"] == pytest.approx(30.0)
    assert res.by_year["firms_acted"].tolist() == [1, 1, 1] and res.summary["capacity_ok"]


def test_milestones_front_load_the_work() -> None:
    # shares 50/25/25 %: ≥ 30 亩 (3 firms) by the end of 2021 and ≥ 45 亩 (5 firms) by 2022.
    (scr, f, lk, p), r = six10(
        **{"scenario.yearly_capacity_firms": [6, 6, 6], "scenario.yearly_share": [0.5, 0.25, 0.25]}
    )
    res = optimise(scr, f, lk, p, r, targets={"freed_area_mu": 60}, phasing="milp")
    by = res.by_year.set_index("year")
    assert by["cum_freed_area_mu"][2021] >= 30 - 1e-6 and by["cum_freed_area_mu"][2022] >= 45 - 1e-6
    assert res.summary["milestones_met"]


def test_shared_parcel_is_freed_in_the_year_its_last_occupant_leaves() -> None:
    # S (20 亩) shared by FA and FB; one firm a year, no milestones: FA and FB leave in different
    # years and S counts as freed in the later one.
    firms = [{"uscc": "FA", "tax_wan": 1.0}, {"uscc": "FB", "tax_wan": 2.0}]
    r = RULES.with_overrides({"scenario.remedies": ["relocate"], "scenario.yearly_capacity_firms": [1, 1, 1],
                              "scenario.phasing_milestones": False})  # fmt: skip
    scr, f, lk, p = instance(firms, [("FA", "S", 12.0), ("FB", "S", 8.0)], {"S": 20.0}, rules=r)
    res = optimise(scr, f, lk, p, r, targets={"freed_area_mu": 20}, phasing="milp")
    assert remedies(res) == {"FA": "relocate", "FB": "relocate"}
    years = res.selection.set_index("uscc")["year"]
    assert years["FA"] != years["FB"]
    assert res.freed_parcels.set_index("parcel_id").loc["S", "year"] == max(years)
    by = res.by_year.set_index("year")
    assert by.loc[max(years), "freed_area_mu"] == pytest.approx(20.0)


def test_heuristic_phase_with_capacity_by_hand() -> None:
    # areas 50, 30, 20, 10 (one firm each); shares 50/25/25 % → area capacities 55, 27.5, 27.5;
    # at most 1, 1, 2 firms. a → 2021 (0.91); b: 2021 full → 2022 (1.09, earlier of the tie);
    # c: 2021 and 2022 full → 2023; d → 2023 (2 firms allowed).
    units = pd.DataFrame({"area": [50.0, 30.0, 20.0, 10.0], "firms": 1.0}, index=["a", "b", "c", "d"])
    got = phase(units, ["area"], [2021, 2022, 2023], [0.5, 0.25, 0.25], {"firms": [1, 1, 2]})
    assert got.to_dict() == {"a": 2021, "b": 2022, "c": 2023, "d": 2023}
    assert got.attrs["over_capacity"] == []
    # one firm a year: d fits nowhere; it goes to the year exceeding least (2021, the earliest tie)
    got = phase(units, ["area"], [2021, 2022, 2023], [0.5, 0.25, 0.25], {"firms": [1, 1, 1]})
    assert got["d"] == 2021 and got.attrs["over_capacity"] == ["d"]


def test_heuristic_phasing_stays_within_capacities() -> None:
    (scr, f, lk, p), r = six10(**{"scenario.yearly_capacity_firms": [1, 2, 3]})
    res = optimise(scr, f, lk, p, r, targets={"freed_area_mu": 60}, phasing="heuristic")
    assert res.summary["phasing"] == "heuristic" and res.summary["over_capacity"] == []
    assert res.by_year["firms_acted"].tolist() == [1, 2, 3]


def test_missed_milestone_is_reported() -> None:
    # Heuristic phasing puts one firm in each year (capacity 1, 1, 1) but the shares ask for
    # 90 % of the 30 亩 by the end of 2021: 10 亩 < 27 亩 is reported (the MILP would refuse).
    (scr, f, lk, p), r = six10(
        **{"scenario.yearly_capacity_firms": [1, 1, 1], "scenario.yearly_share": [0.9, 0.05, 0.05]}
    )
    res = optimise(scr, f, lk, p, r, targets={"freed_area_mu": 30}, phasing="heuristic")
    assert res.feasible and not res.summary["milestones_met"]
    assert "2021 年底腾出低效工业用地累计 10.0亩，未达年度进度目标 27.0亩。" in res.summary["messages_zh"]
    assert (
        "End of 2021: freed industrial land 10.0 亩, below the milestone 27.0 亩."
        in res.summary["messages_en"]
    )


@pytest.mark.parametrize("mode", ["milp", "heuristic"])
def test_idle_land_due_for_recovery_is_taken_back_in_the_first_year(mode: str) -> None:
    # Six firms (10 亩 each) and two idle vacant parcels V, W (5 亩 each), target 70 亩, equal
    # yearly shares. W is idle ≥ 24 months (idle_recovery: 依法无偿收回) → 2021; without the flag
    # the balancing puts it in a later year (checked below), V keeps its free placement.
    r = RULES.with_overrides({"scenario.remedies": ["relocate"], "scenario.yearly_share": [1, 1, 1]})
    firms = [{"uscc": u, "tax_wan": t} for u, t in SIX10]
    links = [(u, "P" + u, 10.0) for u, _ in SIX10]
    parcels = {"P" + u: 10.0 for u, _ in SIX10} | {"V": 5.0, "W": 5.0}
    years = {}
    for flag in (True, False):
        scr, f, lk, p = instance(firms, links, parcels, idle=("V", "W"), rules=r,
                                 parcel_cols={"idle_recovery": {"V": False, "W": flag}})  # fmt: skip
        res = optimise(scr, f, lk, p, r, targets={"freed_area_mu": 70}, phasing=mode)
        fp = res.freed_parcels.set_index("parcel_id")
        assert res.summary["freed_area_mu"] == pytest.approx(70.0)
        years[flag] = int(fp.loc["W", "year"])
        assert bool(fp.loc["W", "idle_recovery"]) is flag and not bool(fp.loc["V", "idle_recovery"])
    assert years[True] == 2021
    assert years[False] > 2021
