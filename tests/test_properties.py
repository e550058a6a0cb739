"""Property-based tests (hypothesis) of the code checker and the number parser: for any input they
give a documented result — never an exception — and they agree with their own definitions.

GB 32100-2015: 2 characters, a 6-digit division code, 9 characters, then the check character: weights 3^i mod 31 over the first 17 characters of the code
alphabet ``0-9A-HJ-NPQRTUWXY`` (31 characters), check = 31 − (Σ mod 31), 31 → 0.
"""

from __future__ import annotations

import math

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from ruian_land.core import is_valid_uscc, normalise_uscc, uscc_check_char
from ruian_land.io import parse_numbers

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
