"""Property-based tests (hypothesis) of the code checker, the number parser and the scenario: for
any input they give a documented result — never an exception — and agree with their definitions;
the scenario's freed area is the sum of the parcels it frees.

GB 32100-2015: 2 characters, a 6-digit division code, 9 characters, then the check character: weights 3^i mod 31 over the first 17 characters of the code
alphabet ``0-9A-HJ-NPQRTUWXY`` (31 characters), check = 31 − (Σ mod 31), 31 → 0.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_scenario import RULES, instance  # the scenario tests' Screening builder

from ruian_land.core import is_valid_uscc, normalise_uscc, uscc_check_char
from ruian_land.io import parse_numbers
from ruian_land.scenario import optimise

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def _check(first17: str) -> str:
    total = sum(ALPHABET.index(c) * pow(3, i, 31) for i, c in enumerate(first17))
    return ALPHABET[(31 - total % 31) % 31]


#: 登记管理部门码 and 机构类别码 (2), 登记管理机关行政区划码 (6 digits), 主体标识码 (9).
codes17 = st.builds(
    lambda a, b, c: a + b + c,
    st.text(alphabet=ALPHABET, min_size=2, max_size=2),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.text(alphabet=ALPHABET, min_size=9, max_size=9),
)


@settings(max_examples=300, deadline=None)
@given(first17=codes17)
def test_check_character_matches_the_standard(first17: str) -> None:
    assert uscc_check_char(first17) == _check(first17)
    code = first17 + _check(first17)
    assert is_valid_uscc(code)
    assert is_valid_uscc(code.lower()) is is_valid_uscc(normalise_uscc(code.lower()))


@settings(max_examples=300, deadline=None)
@given(first17=codes17, wrong=st.sampled_from(ALPHABET))
def test_any_other_check_character_is_invalid(first17: str, wrong: str) -> None:
    if wrong != _check(first17):
        assert not is_valid_uscc(first17 + wrong)


@settings(max_examples=300, deadline=None)
@given(value=st.one_of(st.none(), st.text(max_size=30), st.integers(), st.floats(allow_nan=True)))
def test_normalise_and_check_never_raise(value: object) -> None:
    norm = normalise_uscc(value)
    assert norm is None or isinstance(norm, str)
    assert isinstance(is_valid_uscc(value), bool)


@settings(max_examples=300, deadline=None)
@given(x=st.floats(-1e12, 1e12, allow_nan=False), sep=st.booleans())
def test_parse_numbers_reads_what_it_formats(x: float, sep: bool) -> None:
    text = f"{x:,.2f}" if sep else f"{x:.2f}"
    got = parse_numbers(pd.Series([text])).iloc[0]
    assert math.isclose(got, round(x, 2), rel_tol=1e-12, abs_tol=1e-9)


@settings(max_examples=300, deadline=None)
@given(
    cells=st.lists(
        st.one_of(st.none(), st.text(max_size=12), st.floats(), st.integers(-(10**9), 10**9)), max_size=20
    )
)
def test_parse_numbers_keeps_length_and_reports_what_it_could_not_read(cells: list[object]) -> None:
    series = pd.Series(cells, dtype=object)
    out = parse_numbers(series)
    assert len(out) == len(series) and out.dtype == "float64"
    assert out.index.equals(series.index)
    unparsed = set(out.attrs["unparsed"])
    assert unparsed <= set(series.index)
    for label in unparsed:  # an unreadable cell is NaN, never 0
        assert math.isnan(out[label])


@settings(max_examples=25, deadline=None)
@given(
    parcels=st.lists(st.floats(1.0, 40.0), min_size=2, max_size=7),
    owners=st.lists(st.integers(0, 5), min_size=7, max_size=7),
    taxes=st.lists(st.floats(0.0, 200.0), min_size=6, max_size=6),
    share=st.floats(0.1, 0.9),
)
def test_scenario_freed_area_is_the_sum_of_the_parcels_it_frees(
    parcels: list[float], owners: list[int], taxes: list[float], share: float
) -> None:
    areas = {f"P{i}": a for i, a in enumerate(parcels)}
    links = [(f"F{owners[i]}", pid, a) for i, (pid, a) in enumerate(areas.items())]
    users = sorted({u for u, _, _ in links})
    firms = [{"uscc": u, "tax_wan": taxes[int(u[1:])]} for u in users]
    scr, f, lk, p = instance(firms, links, areas)
    target = round(share * sum(parcels), 3)
    res = optimise(scr, f, lk, p, RULES, targets={"freed_area_mu": target})
    freed = res.freed_parcels
    assert res.summary["freed_area_mu"] == pytest.approx(float(freed["area_mu"].sum()), abs=1e-6)
    assert set(freed["parcel_id"]) <= set(areas)
    for pid, mu in zip(freed["parcel_id"], freed["area_mu"], strict=True):
        assert mu <= areas[pid] + 1e-9  # never more than the parcel holds
    if res.feasible:
        assert res.summary["freed_area_mu"] >= target - 1e-6
    # the firms acted on own or use the parcels freed
    acted = set(res.selection["uscc"])
    assert {u for u, pid, _ in links if pid in set(freed["parcel_id"])} <= acted
