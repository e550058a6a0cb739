"""统一社会信用代码 check character (GB 32100-2015) against published codes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ruian_land.core import (
    check_char_twins,
    is_valid_uscc,
    is_valid_uscc_series,
    normalise_parcel_id,
    normalise_parcel_ids,
    normalise_uscc,
    normalise_uscc_series,
    uscc_check_char,
    validate_uscc_series,
)

# Codes printed on public business licences / the standard's own example.
PUBLISHED = [
    "91350100M000100Y43",  # GB 32100-2015 example
    "91330100716105852F",  # 阿里巴巴(中国)有限公司
    "91110000710925462X",  # 中国石油天然气股份有限公司
    "914403001922038216",  # 华为技术有限公司
]


@pytest.mark.parametrize("code", PUBLISHED)
def test_published_codes_are_valid(code: str) -> None:
    assert is_valid_uscc(code)
    assert uscc_check_char(code[:17]) == code[17]


def test_wrong_check_character_is_invalid() -> None:
    assert not is_valid_uscc("91350100M000100Y44")
    # 'I', 'O', 'Z', 'S', 'V' are not in the alphabet.
    assert not is_valid_uscc("91350100M000100YI3")


def test_normalisation_full_width_spaces_case() -> None:
    raw = " ９１３５０１００ｍ０００１００ｙ４３ "
    assert normalise_uscc(raw) == "91350100M000100Y43"
    assert is_valid_uscc(raw)
    assert normalise_uscc(float("nan")) is None
    assert normalise_uscc("  ") is None


def test_series_validation_keeps_index() -> None:
    s = pd.Series(["91350100m000100y43", "91350100M000100Y44", None], index=[7, 8, 9])
    out = validate_uscc_series(s)
    assert out.index.tolist() == [7, 8, 9]
    assert out["uscc_valid"].tolist() == [True, False, False]
    assert out.loc[7, "uscc"] == "91350100M000100Y43"


def test_column_versions_equal_the_scalar_ones() -> None:
    g = "91330381MA2AB3CD4" + uscc_check_char("91330381MA2AB3CD4")
    raw = [g, g.lower(), " " + g[:5] + "-" + g[5:] + "_", g[:17] + ("1" if g[17] == "0" else "0"),
           "９１" + g[2:], g.replace("A", "Ａ"), None, np.nan, "", " ", 9.13303817062278e17, 12345,
           "12.0", "O" + g[1:], g[:8] + "I" + g[9:], g + "1", pd.NA, "91330381MA28XYZ"]  # fmt: skip
    s = pd.Series(raw, dtype=object, index=range(100, 100 + len(raw)))
    want = s.map(normalise_uscc)
    got = normalise_uscc_series(s)
    pd.testing.assert_series_equal(got, want)
    valid = is_valid_uscc_series(got)
    assert valid.tolist() == [is_valid_uscc(v) for v in raw]
    assert valid.tolist()[:6] == [True, True, True, False, True, True]  # case, spaces, full width
    blank = pd.Series([None, " "], dtype=object)
    pd.testing.assert_series_equal(normalise_uscc_series(blank), blank.map(normalise_uscc))


def test_check_char_twins_by_hand() -> None:
    """A code not in the registry whose first 17 characters are a registry code's: its twin(s)."""
    registry = ["91350100M000100Y43", "91350100M000100Y4X", "91330100716105852F", "SHORT", None]
    codes = pd.Series(
        ["91350100M000100Y40", "91330100716105852F", "91330100716105852A", "913301007161058", None, 5],
        dtype=object,
    )
    assert check_char_twins(codes, registry) == {
        "91350100M000100Y40": ["91350100M000100Y43", "91350100M000100Y4X"],  # sorted
        "91330100716105852A": ["91330100716105852F"],
    }  # a registry code itself, short codes and non-texts have no twins
    assert check_char_twins(codes, {"91110000000000000X": 1}.keys()) == {}


@pytest.mark.parametrize("dtype", ["str", "string", object])
def test_parcel_ids_of_a_column_by_hand(dtype: object) -> None:
    cells = [" 330381101002gb00123 ", "３３０３８１ｇｂ", "a\u3000b\x1cc", "ß1", "  ", None, "q\tr\n"]
    want = ["330381101002GB00123", "330381GB", "ABC", "SS1", None, None, "QR"]
    got = normalise_parcel_ids(pd.Series(cells, index=range(10, 17), dtype=dtype))  # type: ignore[call-overload]
    assert list(got.astype(object).where(got.notna(), None)) == want  # ß → SS as Python's upper()
    assert list(got.index) == list(range(10, 17))
    pd.testing.assert_series_equal(
        got, pd.Series(cells, index=range(10, 17), dtype=dtype).map(normalise_parcel_id)
    )  # type: ignore[call-overload]


def test_parcel_ids_with_numbers_mixed_in_go_cell_by_cell() -> None:
    cells = pd.Series([12345.0, 12.5, 7, "x 1", np.nan, pd.NA], dtype=object)
    got = normalise_parcel_ids(cells)
    assert list(got[:4]) == ["12345", "12.5", "7", "X1"] and got[4:].isna().all()
    pd.testing.assert_series_equal(normalise_parcel_ids(cells), cells.map(normalise_parcel_id))
