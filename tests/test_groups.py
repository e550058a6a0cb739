"""``core.join_by_group`` is the per-group ``";".join(map(str, s))`` of pandas, without a Python
call per group (the occupants columns of the candidate list, the 整治清单 and the site sheet)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ruian_land.core import join_by_group


def test_by_hand() -> None:
    keys = pd.Series(["p2", "p1", "p2", None, "p1", "p3"], name="parcel_id", dtype="str")
    values = pd.Series(["甲", "乙", None, "丙", "丁", 7], dtype=object)
    got = join_by_group(keys, values)
    assert got.index.tolist() == ["p2", "p1", "p3"] and got.index.name == "parcel_id"  # first seen
    assert got.tolist() == ["甲;None", "乙;丁", "7"]  # order kept, None and numbers as str()
    assert join_by_group(keys, values, sep="、", sort=True).tolist() == ["乙、丁", "甲、None", "7"]


@pytest.mark.parametrize("sort", [False, True])
def test_equals_the_pandas_groupby(sort: bool) -> None:
    rng = np.random.default_rng(5)
    keys = pd.Series(rng.choice(["b", "a", "c", None, "瑞安"], 500), name="k", dtype="str")
    values = pd.Series(rng.choice(["x", "y", None, "乙"], 500), dtype="str")
    ref = values.groupby(keys, sort=sort).agg(lambda s: ";".join(map(str, s)))
    got = join_by_group(keys, values, sort=sort)
    pd.testing.assert_series_equal(got, ref, check_names=False)
    assert got.index.tolist() == ref.index.tolist()
