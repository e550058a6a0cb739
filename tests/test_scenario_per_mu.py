"""The county 规上 亩均税收 as a floor of the scenario MILP (issue 14 item 3), worked by hand.

Stock: H (10 亩, 500 万元, never a candidate), A (10 亩, 10 万元) and B (10 亩, 50 万元): 560 / 30 =
18.67 万元/亩. Only 关停退出 is open; every freed 亩 is re-let 60 % as 标准地 at 18 万元/亩.

* A out: (500 + 50 + 6 × 18) / (20 + 6) = 658 / 26 = 25.31
* A and B out: (500 + 12 × 18) / (10 + 12) = 716 / 22 = 32.545… — the most the levers reach.
"""

from __future__ import annotations

from typing import Any

import pytest
from test_scenario import instance, remedies

from ruian_land.rules import load_rules
from ruian_land.scenario import optimise

RULES = load_rules().with_overrides(
    {
        "scenario.remedies": ["exit"],
        "scenario.exit_requires_violation": False,
        "scenario.reuse_share_standard_land": 0.6,
        "standard_land.tax_per_mu": 18.0,
        "scenario.binding_rel_tol": 0.01,
    }
)
FIRMS = [
    {"uscc": "H", "tax_wan": 500.0, "flagged": False},
    {"uscc": "A", "tax_wan": 10.0},
    {"uscc": "B", "tax_wan": 50.0},
]


def _run(floor: float | None, links: list[tuple[str, str, float]] | None = None, **targets: float) -> Any:
    links = links or [("H", "PH", 10.0), ("A", "PA", 10.0), ("B", "PB", 10.0)]
    parcels = {pid: 0.0 for _u, pid, _a in links}
    for _u, pid, area in links:
        parcels[pid] += area
    scr, f, lk, p = instance(
        FIRMS, links, parcels, rules=RULES.with_overrides({"scenario.tax_per_mu_min": floor})
    )
    return optimise(scr, f, lk, p, scr.rules, targets=targets or {"freed_area_mu": 10.0}, protect_classes=[])


def test_without_a_floor_the_cheapest_exit_meets_the_land_target() -> None:
    res = _run(None)
    assert remedies(res) == {"A": "exit"}
    assert res.summary["tax_per_mu_after"] == pytest.approx(658 / 26)
    assert res.summary["tax_per_mu_floor"] is None
    assert res.summary["tight_targets"] == ["freed_area_mu"]  # 10 亩 freed for a 10 亩 target


def test_a_floor_the_cheapest_answer_already_meets_does_not_bind() -> None:
    res = _run(25.0)
    assert remedies(res) == {"A": "exit"}
    fl = res.summary["tax_per_mu_floor"]
    assert fl["applied"] and fl["met"] and not fl["binds"] and fl["reason"] == "imposed"
    assert fl["before"] == pytest.approx(560 / 30)


def test_a_higher_floor_forces_the_second_exit_and_binds() -> None:
    res = _run(32.5)
    assert remedies(res) == {"A": "exit", "B": "exit"}
    assert res.summary["tax_per_mu_after"] == pytest.approx(716 / 22)
    fl = res.summary["tax_per_mu_floor"]
    assert fl["met"] and fl["binds"]  # 32.545 is within 1 % of 32.5
    assert res.summary["tight_targets"] == []  # 20 亩 freed: the land target no longer binds
    assert any("亩均税收底线 32.50" in m and "起约束作用" in m for m in res.summary["messages_zh"])


def test_a_floor_beyond_the_levers_is_not_imposed_and_the_bound_is_given() -> None:
    res = _run(40.0)
    assert remedies(res) == {"A": "exit"}  # the scenario is the one without the floor
    fl = res.summary["tax_per_mu_floor"]
    assert fl["reason"] == "beyond reach" and not fl["applied"] and not fl["met"]
    assert fl["reachable"] == pytest.approx(716 / 22, abs=0.011)
    assert any("超出本情景可控手段" in m and "32.5" in m for m in res.summary["messages_zh"])


def test_a_shared_parcel_counts_as_freed_once_both_occupants_leave() -> None:
    # A and B share PS (20 亩). With both out the land is re-let: 716 / 22 = 32.55 is the most.
    # Were the model free to leave the shared parcel "not freed", it would claim 500 / 10 = 50.
    links = [("H", "PH", 10.0), ("A", "PS", 10.0), ("B", "PS", 10.0)]
    res = _run(40.0, links, firms_exited=1.0)
    fl = res.summary["tax_per_mu_floor"]
    assert fl["reason"] == "beyond reach" and fl["reachable"] == pytest.approx(716 / 22, abs=0.011)
    res = _run(30.0, links, firms_exited=1.0)
    assert remedies(res) == {"A": "exit", "B": "exit"}
    assert res.summary["tax_per_mu_after"] == pytest.approx(716 / 22)


def test_a_floor_met_before_the_scenario_is_said_so() -> None:
    fl = _run(15.0).summary["tax_per_mu_floor"]
    assert fl["reason"] == "already met" and not fl["applied"] and fl["met"]
