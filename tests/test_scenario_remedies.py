"""The five remedies, CO₂ method, town quotas, budget and partial release: optima worked out by hand.

Default rules unless said: exit only for violators, everything leaves, no cost; vacate:
everything leaves, 20 万元/亩 compensation; relocate: 40 % of tax lost, 20 万元/亩; merge: 10 %
of tax lost, no cost, counts as 整治提升, its land goes to the acquirer; upgrade: 20 万元 per firm.
Objective ``tax`` = tax lost + 0.1 × one-off cost.
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from test_scenario import CLASSIC, DEFAULT, RULES, instance, remedies, six

from ruian_land.core import InputError, InputWarning
from ruian_land.scenario import candidate_effects, optimise, remedy_table


def four(violator: bool = True, rules: Any = None) -> Any:
    # A (10 亩, tax 5), B (10, 30), C (10, 100), D (10, 200), each alone on its parcel.
    firms = [
        {"uscc": "A", "tax_wan": 5.0, "safety_accident": violator},
        {"uscc": "B", "tax_wan": 30.0, "safety_accident": False},
        {"uscc": "C", "tax_wan": 100.0, "safety_accident": False},
        {"uscc": "D", "tax_wan": 200.0, "safety_accident": False},
    ]
    links = [(u, "P" + u, 10.0) for u in "ABCD"]
    r = DEFAULT.with_overrides({"scenario.merge_max_firms": 1}) if rules is None else rules
    return instance(firms, links, {"P" + u: 10.0 for u in "ABCD"}, rules=r), r


def test_five_remedies_optimum_by_hand() -> None:
    # Targets: 30 亩, 2 淘汰 (exit/vacate/relocate), 1 整治提升 (upgrade/merge); at most 1 merger.
    # Costs (tax lost + 0.1 × one-off): exit A 5 (violator); relocate = 0.4 tax + 0.1 × 200:
    # A 22, B 32, C 60; vacate = tax + 20: ≥ 25; merge = 0.1 tax: B 3, C 10, D 20; upgrade 2.
    # Three parcels must be freed with two 淘汰 and one 整治提升:
    #   A exit + B relocate + C merge = 5 + 32 + 10 = 47  ← optimum
    #   A exit + C relocate + B merge = 5 + 60 + 3 = 68;  A exit + B relocate + D merge = 57;
    #   A exit + B relocate + C relocate + D upgrade = 99.
    (scr, f, lk, p), rules = four()
    res = optimise(
        scr, f, lk, p, rules, targets={"freed_area_mu": 30, "firms_exited": 2, "firms_upgraded": 1}
    )
    assert res.status == "optimal" and res.feasible
    assert remedies(res) == {"A": "exit", "B": "relocate", "C": "merge"}
    s = res.summary
    assert s["objective_value"] == pytest.approx(47.0, abs=1e-4)
    assert s["tax_change_wan"] == pytest.approx(-(5 + 12 + 10))
    assert s["value_added_change_wan"] == pytest.approx(-(25 + 60 + 50))  # 增加值 = 5 × tax
    assert s["jobs_lost"] == pytest.approx(10 + 4 + 2)  # 10 employees each; merge keeps 80 %
    assert s["cost_wan"] == pytest.approx(200.0)  # B's 10 亩 bought back at 20
    assert s["remedy_counts"] == {"exit": 1, "vacate": 0, "relocate": 1, "merge": 1, "upgrade": 0}
    assert (s["firms_exited"], s["firms_upgraded"]) == (2, 1)
    sel = res.selection.set_index("uscc")
    assert sel.loc["C", "remedy_zh"] == "兼并重组" and sel.loc["A", "remedy_zh"] == "关停退出"
    fp = res.freed_parcels.set_index("parcel_id")
    assert fp["area_mu"].sum() == pytest.approx(30.0)
    # the merged firm's land goes to the acquirer: freed, but not offered again
    assert fp.loc["PC", "reusable_mu"] == 0 and fp.loc["PA", "reusable_mu"] == pytest.approx(10.0)
    assert s["reuse"]["reusable_mu"] == pytest.approx(20.0)
    assert s["reuse"]["standard_land_mu"] == pytest.approx(12.0)  # 60 % as 标准地
    # 规上 亩均税收: before 335 / 40; clearance: C keeps 90 (merger) + D 200 on 20 亩;
    # after: + 12 亩 at 18 万元/亩 → 506 / 32. 亩均增加值: 1675/40 → 1450/20 → (1450 + 12 × 154.5)/32.
    assert s["tax_per_mu_before"] == pytest.approx(335 / 40)
    assert s["tax_per_mu_after_clearance_only"] == pytest.approx(290 / 20)
    assert s["tax_per_mu_after"] == pytest.approx(506 / 32)
    assert s["value_added_per_mu_after_clearance_only"] == pytest.approx(1450 / 20)
    assert s["value_added_per_mu_after"] == pytest.approx((1450 + 12 * 154.5) / 32)
    # new projects would need (42 × 32 − 290) / 12 万元/亩 for the county to reach 42
    assert s["reuse_tax_per_mu_needed"] == pytest.approx((42 * 32 - 290) / 12)


def test_exit_only_for_violators() -> None:
    # Nobody violates: A cannot be shut; A relocates (22) instead: 22 + 32 + 10 = 64.
    (scr, f, lk, p), rules = four(violator=False)
    res = optimise(
        scr, f, lk, p, rules, targets={"freed_area_mu": 30, "firms_exited": 2, "firms_upgraded": 1}
    )
    assert remedies(res) == {"A": "relocate", "B": "relocate", "C": "merge"}
    assert res.summary["objective_value"] == pytest.approx(64.0, abs=1e-4)
    # switching the rule off lets A exit again
    r2 = rules.with_overrides({"scenario.exit_requires_violation": False})
    res = optimise(scr, f, lk, p, r2, targets={"freed_area_mu": 30, "firms_exited": 2, "firms_upgraded": 1})
    assert remedies(res)["A"] == "exit"


def test_exit_needs_violation_columns() -> None:
    scr, f, lk, p = six(rules=DEFAULT)
    with pytest.warns(InputWarning, match="no firm may be shut"):
        res = optimise(scr, f, lk, p, DEFAULT, targets={"freed_area_mu": 10}, remedies=["exit", "relocate"])
    assert set(remedies(res).values()) == {"relocate"}


def test_vacate_versus_relocate_and_remedy_switches() -> None:
    # Only vacate and relocate, no compensation: vacate loses all the tax, relocation 40 %:
    # relocation always wins. With relocation off, F2 (10 亩, tax 12) is vacated: 12.
    r = DEFAULT.with_overrides({"scenario.vacate_cost_wan_per_mu": 0, "scenario.relocate_cost_wan_per_mu": 0})
    scr, f, lk, p = six(rules=r)
    res = optimise(scr, f, lk, p, r, targets={"freed_area_mu": 10}, remedies=["vacate", "relocate"])
    assert remedies(res) == {"F2": "relocate"}
    res = optimise(scr, f, lk, p, r, targets={"freed_area_mu": 10}, remedies=["vacate"])
    assert remedies(res) == {"F2": "vacate"} and res.summary["tax_change_wan"] == pytest.approx(-12.0)
    assert list(res.remedies.index) == ["vacate"]
    with pytest.raises(InputError, match="unknown remedies"):
        optimise(scr, f, lk, p, r, remedies=["demolish"])


def test_remedy_table_and_effects() -> None:
    t = remedy_table(DEFAULT)
    assert t.names == ("exit", "vacate", "relocate", "merge", "upgrade")
    fr = t.frame()
    assert fr.loc["upgrade", "tax_kept"] == pytest.approx(1.10)
    assert fr.loc["upgrade", "energy_kept"] == pytest.approx(0.85)
    assert fr.loc["relocate", "energy_kept"] == pytest.approx(0.8)
    assert fr.loc["merge", "max_firms"] == 20 and not fr.loc["merge", "reusable"]
    assert list(fr.index[fr["counts_exit"]]) == ["exit", "vacate", "relocate"]
    assert list(fr.index[fr["counts_upgrade"]]) == ["merge", "upgrade"]
    scr, f, _, _ = six(rules=DEFAULT, energy={"F1": 100.0})
    cand = scr.firms.sort_values("uscc").reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InputWarning)
        eff = candidate_effects(cand, f, t, DEFAULT, cand["land_area_mu"].to_numpy())
    # F1: 9 亩, tax 9, 100 tce. Upgrade: tax +0.9 (lost −0.9), energy −15; relocate: 20 tce saved
    # and 9 × 20 = 180 万元 compensation; merge: 20 tce saved.
    assert eff.tax_lost[0, 4] == pytest.approx(-0.9)
    assert eff.energy_saved[0, 4] == pytest.approx(15.0)
    assert eff.energy_saved[0, 2] == pytest.approx(20.0)
    assert eff.co2_saved[0, 2] == pytest.approx(40.0)
    assert eff.cost[0, 2] == pytest.approx(180.0) and eff.cost[0, 4] == pytest.approx(20.0)
    assert not eff.eligible[:, 0].any()  # no violation column: nobody may exit


def test_co2_by_firm_fuel_mix() -> None:
    # X (10 亩, tax 10, 100 tce, 500 t CO₂: coal), Y (10 亩, tax 8, 200 tce, 150 t: grid power).
    # Only vacate (no cost); target 160 t CO₂. Plan ratio 2 t/tce: Y gives 400 t and is cheaper (8).
    # By the firm's own CO₂: Y gives 150 < 160, so X (10).
    firms = [
        {"uscc": "X", "tax_wan": 10.0, "energy_tce_calorific": 100.0, "co2_t": 500.0},
        {"uscc": "Y", "tax_wan": 8.0, "energy_tce_calorific": 200.0, "co2_t": 150.0},
    ]
    r = DEFAULT.with_overrides({"scenario.remedies": ["vacate"], "scenario.vacate_cost_wan_per_mu": 0})
    scr, f, lk, p = instance(firms, [("X", "PX", 10.0), ("Y", "PY", 10.0)], {"PX": 10.0, "PY": 10.0}, rules=r)
    res = optimise(scr, f, lk, p, r, targets={"co2_reduction_t": 160})
    assert remedies(res) == {"Y": "vacate"} and res.summary["co2_reduction_t"] == pytest.approx(400.0)
    r2 = r.with_overrides({"scenario.co2_method": "firm"})
    res = optimise(scr, f, lk, p, r2, targets={"co2_reduction_t": 160})
    assert remedies(res) == {"X": "vacate"} and res.summary["co2_reduction_t"] == pytest.approx(500.0)


def _towns() -> Any:
    # Q1 in T1 (10 亩, tax 1); Q2 in T2 (6 亩, tax 3); Q3 in T2 (12 亩, tax 20). Relocation only
    # costs 0.4 × tax (classic rules).
    firms = [{"uscc": "Q1", "tax_wan": 1.0}, {"uscc": "Q2", "tax_wan": 3.0}, {"uscc": "Q3", "tax_wan": 20.0}]
    links = [("Q1", "P1", 10.0), ("Q2", "P2", 6.0), ("Q3", "P3", 12.0)]
    towns = {"town": {"P1": "T1", "P2": "T2", "P3": "T2"}}
    return instance(firms, links, {"P1": 10.0, "P2": 6.0, "P3": 12.0}, parcel_cols=towns)


def test_town_quota() -> None:
    scr, f, lk, p = _towns()
    res = optimise(scr, f, lk, p, RULES, targets={"freed_area_mu": 10})
    assert remedies(res) == {"Q1": "relocate"}
    # T2 must free ≥ 5 亩: Q1 + Q2 (16 亩, 0.4 × 4 = 1.6) beats Q3 alone (12 亩, 8) and Q2 + Q3 (9.2)
    res = optimise(scr, f, lk, p, RULES, targets={"freed_area_mu": 10}, town_quotas={"T2": 5})
    assert remedies(res) == {"Q1": "relocate", "Q2": "relocate"}
    assert res.summary["tax_change_wan"] == pytest.approx(-1.6)
    assert res.summary["town_quotas"] == {"T2": {"quota_mu": 5.0, "freed_mu": 6.0}}
    # T2 holds only 18 亩: a 20 亩 quota is the binding target, 2 亩 short
    res = optimise(scr, f, lk, p, RULES, targets={"freed_area_mu": 10}, town_quotas={"T2": 20})
    assert not res.feasible and res.summary["binding_targets"] == ["town:T2"]
    assert res.summary["shortfalls"]["town:T2"] == pytest.approx(2.0)
    assert any("T2腾地配额" in m and "缺口 2.0亩" in m for m in res.summary["messages_zh"])
    assert any("quota of T2" in m and "short by 2.0" in m for m in res.summary["messages_en"])
    with pytest.raises(InputError, match="town quota"):
        optimise(scr, f, lk, p, RULES, town_quotas={"T2": -1})


def test_budget() -> None:
    # Six firms, target 10 亩; exit (all tax, no cost) or relocate (40 % of tax, 1 万元/亩); cost
    # weight 0 so the objective is the tax lost alone.
    r = RULES.with_overrides({"scenario.relocate_cost_wan_per_mu": 1, "scenario.cost_weight": 0})
    scr, f, lk, p = six(rules=r)
    # budget 10: relocating F2 (10 亩) costs exactly 10 → 4.8
    res = optimise(scr, f, lk, p, r, targets={"freed_area_mu": 10}, budget_wan=10)
    assert remedies(res) == {"F2": "relocate"} and res.summary["cost_wan"] == pytest.approx(10.0)
    # budget 9: relocate F1 (9 亩, 3.6, cost 9) + exit F4 (2 亩, 8) = 11.6 beats exiting F2 (12)
    res = optimise(scr, f, lk, p, r, targets={"freed_area_mu": 10}, budget_wan=9)
    assert remedies(res) == {"F1": "relocate", "F4": "exit"}
    assert res.summary["tax_change_wan"] == pytest.approx(-11.6)
    assert res.summary["cost_wan"] == pytest.approx(9.0) and res.summary["budget_wan"] == 9.0
    assert any("预算 9.0 万元" in m for m in res.summary["messages_zh"])
    # budget 0: exits only → F2 exits (12)
    res = optimise(scr, f, lk, p, r, targets={"freed_area_mu": 10}, budget_wan=0)
    assert remedies(res) == {"F2": "exit"}


def _big(far: float) -> Any:
    # BIG: 100 亩 parcel, tax 500, FAR `far`; S: 10 亩, tax 30. Target 30 亩.
    firms = [{"uscc": "BIG", "tax_wan": 500.0}, {"uscc": "S", "tax_wan": 30.0}]
    links = [("BIG", "PB", 100.0), ("S", "PS", 10.0)]
    return instance(firms, links, {"PB": 100.0, "PS": 10.0}, parcel_cols={"far": {"PB": far, "PS": 1.2}})


def test_partial_release_of_a_large_parcel() -> None:
    # Without partial release: S alone is too small, BIG relocates (0.4 × 500 = 200).
    r = RULES.with_overrides(
        {"scenario.partial_release_cost_wan_per_mu": 10}
    )  # 1 万元/亩/年 in the objective
    scr, f, lk, p = _big(far=0.4)
    res = optimise(scr, f, lk, p, r, targets={"freed_area_mu": 30})
    assert remedies(res) == {"BIG": "relocate"} and res.summary["partial_release_mu"] == 0
    assert res.summary["large_parcels"][0]["parcel_id"] == "PB"  # 100 亩 > 10 % of the 30 亩 target
    # With partial release: BIG may give back min(50 %, 1 − 0.4/1.0 = 60 %) = 50 亩 at 1 per 亩:
    # 30 亩 given back (30) beats S relocate + 20 亩 (12 + 20 = 32) and BIG relocating (200).
    res = optimise(scr, f, lk, p, r, targets={"freed_area_mu": 30}, partial_release=True)
    assert remedies(res) == {}
    fp = res.freed_parcels
    assert fp["source"].tolist() == ["partial"] and fp["area_mu"].iloc[0] == pytest.approx(30.0)
    s = res.summary
    assert s["partial_release_mu"] == pytest.approx(30.0) and s["cost_wan"] == pytest.approx(300.0)
    assert s["large_parcels"][0]["partly_released_mu"] == pytest.approx(30.0)
    # 规上: 530 on 110 亩 before; BIG keeps its tax on 70 亩: 530 / 80, then + 18 亩 标准地 at 18
    assert s["tax_per_mu_after_clearance_only"] == pytest.approx(530 / 80)
    assert s["tax_per_mu_after"] == pytest.approx((530 + 18 * 18) / 98)
    # FAR 0.8: only 1 − 0.8 = 20 % (20 亩) may go back: S relocates (12) + 20 亩 (20) = 32
    scr, f, lk, p = _big(far=0.8)
    res = optimise(scr, f, lk, p, r, targets={"freed_area_mu": 30}, partial_release=True)
    assert remedies(res) == {"S": "relocate"}
    assert res.summary["partial_release_mu"] == pytest.approx(20.0)
    assert res.summary["objective_value"] == pytest.approx(32.0, abs=1e-4)


def test_classic_overrides_are_what_the_classic_tests_use() -> None:
    assert RULES.value("scenario.remedies") == CLASSIC["scenario.remedies"]
    assert DEFAULT.value("scenario.exit_requires_violation") is True


def test_budget_bounds_what_each_target_can_reach_alone() -> None:
    # Relocation only, 1 万元/亩, budget 9 万元, target 30 亩 of the six firms' 39 亩: the budget
    # pays for 9 亩 at most (F1, 9 亩), so "on its own at most" is 9 亩, not the 39 亩 freeable.
    r = RULES.with_overrides({"scenario.relocate_cost_wan_per_mu": 1, "scenario.cost_weight": 0,
                              "scenario.remedies": ["relocate"]})  # fmt: skip
    scr, f, lk, p = six(rules=r)
    res = optimise(scr, f, lk, p, r, targets={"freed_area_mu": 30}, budget_wan=9)
    s = res.summary
    assert remedies(res) == {"F1": "relocate"} and s["cost_wan"] == pytest.approx(9.0)
    assert s["shortfalls"] == {"freed_area_mu": pytest.approx(21.0)}
    # the slack reported is the shortfall the decisions leave (30 − 9), not a solver variable
    assert s["relaxed_slack"]["freed_area_mu"] == pytest.approx(21.0)
    assert s["max_reachable"]["freed_area_mu"] == pytest.approx(9.0)
    assert s["max_reachable_unlimited"]["freed_area_mu"] == pytest.approx(39.0)
    assert s["budget_binds"] is True
    assert any("即使只追求此项(在预算与各项上限内)最多 9.0亩" in m for m in s["messages_zh"])
    assert any(m.startswith("预算已用尽(剩余 0.0 万元") and "约束" in m for m in s["messages_zh"])
    assert any("budget is used up" in m for m in s["messages_en"])
    # tax: relocating F1 loses 40 % of 9 万元 = 3.6; the signed change is −3.6
    assert s["tax_change_wan"] == pytest.approx(-3.6)
    assert res.selection["tax_change_wan"].tolist() == pytest.approx([-3.6])
    # a budget of 100 is not used up: no such message
    res = optimise(scr, f, lk, p, r, targets={"freed_area_mu": 30}, budget_wan=100)
    assert res.summary["budget_binds"] is False
    assert not any("预算已用尽" in m for m in res.summary["messages_zh"])


def test_upgrade_tax_gain_is_a_positive_tax_change() -> None:
    # upgrade gains 10 % of tax: all four upgraded (A 5, B 30, C 100, D 200 万元) → +33.5 万元/年
    (scr, f, lk, p), r = four(violator=False, rules=RULES.with_overrides({"scenario.remedies": ["upgrade"]}))
    res = optimise(scr, f, lk, p, r, targets={"firms_upgraded": 4})
    sel = res.selection.set_index("uscc")
    assert sel["tax_change_wan"].to_dict() == pytest.approx({"A": 0.5, "B": 3.0, "C": 10.0, "D": 20.0})
    assert res.summary["tax_change_wan"] == pytest.approx(33.5)
    assert res.summary["tax_change_wan"] == pytest.approx(33.5)
