"""Look-ups of values by key (ruian_land.core.lookup): the same results as ``Series.map``."""

import numpy as np
import pandas as pd
import pytest

from ruian_land.core import KeyPositions, map_by_key


@pytest.mark.parametrize("keys", [["P3", "P1", "P2", "P4"], ["P3", "P1", "P3", "P4"]])  # unique, repeated
def test_key_positions_take_is_map_then_fillna(keys: list[str]) -> None:
    column = pd.Series(keys, index=[10, 11, 12, 13], dtype="str")
    by_key = pd.Series([5.0, np.nan, 2.5], index=pd.Index(["P1", "P3", "P9"], dtype="str"))
    at = KeyPositions(column)
    # by hand: P3 → NaN (→ fill), P1 → 5, P2/P4 absent (→ fill); P9 is on no row
    want = {"P3": 0.0, "P1": 5.0, "P2": 0.0, "P4": 0.0}
    assert at.take(by_key, 0.0).tolist() == [want[k] for k in keys]
    np.testing.assert_array_equal(at.take(by_key, 0.0), column.map(by_key).fillna(0.0).to_numpy())
    np.testing.assert_array_equal(at.take(by_key), column.map(by_key).to_numpy(dtype=float))


@pytest.fixture
def table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "tax_wan": [12.5, np.nan, 3.0],
            "count": [2, 1, 4],
            "exempt": [True, False, True],
            "eval_class": pd.Categorical(["A", "D", "B"]),
            "industry_code": pd.array(["C3311", None, "C1711"], dtype="str"),
            "mixed": pd.Series([1, "二", None], dtype=object),
        },
        index=pd.Index(["F1", "F2", "F3"], dtype="str"),
    )


@pytest.mark.parametrize("keys", [["F3", "F9", "F1", "F3", None], ["F2"], []])
def test_map_by_key_equals_map_per_column(table: pd.DataFrame, keys: list[str | None]) -> None:
    s = pd.Series(keys, index=range(100, 100 + len(keys)), dtype="str", name="uscc")
    got = map_by_key(s, table, list(table.columns))
    assert list(got) == list(table.columns)
    for c in table.columns:
        pd.testing.assert_series_equal(got[c], s.map(table[c]), check_names=True)
    if len(keys) == 5:  # by hand: F3, (absent), F1, F3, (missing key)
        assert got["tax_wan"].tolist()[:4] == [3.0, pytest.approx(np.nan, nan_ok=True), 12.5, 3.0]
        assert got["count"].tolist()[:4] == [4.0, pytest.approx(np.nan, nan_ok=True), 2.0, 4.0]
        assert got["eval_class"].tolist()[0] == "B" and pd.isna(got["eval_class"].iloc[1])
        assert got["industry_code"].tolist()[2] == "C3311" and pd.isna(got["industry_code"].iloc[4])


def test_map_by_key_repeated_table_key_fails_like_map(table: pd.DataFrame) -> None:
    twice = pd.concat([table, table.iloc[[0]]])
    s = pd.Series(["F1", "F2"], dtype="str")
    with pytest.raises(Exception) as want:
        s.map(twice["tax_wan"])
    with pytest.raises(type(want.value)):
        map_by_key(s, twice, ["tax_wan"])
