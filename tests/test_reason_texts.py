"""The vectorised text, flag and slicing helpers give exactly what their one-row / one-call versions give."""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from ruian_land.core import (
    contains_any,
    describe,
    fill_reason_texts,
    is_in,
    join_at,
    join_columns,
    map_slices,
    normalise_firm_names,
    query_slices,
    reason_pairs,
)
from ruian_land.screening.base import text_of, truthy_flags
from ruian_land.screening.idle import truthy, whole_months, whole_months_to


def test_reason_pairs_order_and_duplicates() -> None:
    codes = pd.Series(["FAR_LT_MIN;VACANT", "", None, "TAX_LT_FLOOR;TAX_LT_FLOOR", 3.0, ";CLASS_D;"])
    pairs = reason_pairs(codes)
    assert pairs["pos"].tolist() == [0, 0, 3, 5]
    assert pairs["code"].tolist() == ["FAR_LT_MIN", "VACANT", "TAX_LT_FLOOR", "CLASS_D"]


def test_fill_matches_describe_row_by_row() -> None:
    values = pd.DataFrame(
        {
            "tax_per_mu": [2.345, np.nan, np.inf, 7.0, 1.0],
            "far": [0.456, 0.2, 1.0, None, 0.1],
            "industry_code": ["C3130", None, "", "C26", pd.NA],
            "energy_tce": [1234.5, 5.0, np.nan, 3.0, 2.0],
            "project_built_year": [2015.0, 2019.0, 2020.0, np.nan, 2001.0],
        },
        index=[10, 11, 12, 13, 14],
    )
    codes = pd.Series(
        [
            "TAX_LT_FLOOR;FAR_LT_MIN;TWO_HIGH_INDUSTRY",
            "TAX_LT_FLOOR;TWO_HIGH_OLD",
            "TAX_LT_FLOOR;TWO_HIGH_INDUSTRY;FAR_LT_MIN",
            "FAR_LT_MIN;TWO_HIGH_NEW;TWO_HIGH_INDUSTRY",
            "TWO_HIGH_INDUSTRY;COVERAGE_LT_MIN",  # names building_coverage: not a column → plain
        ],
        index=values.index,
    )
    thr = {
        "TAX_LT_FLOOR": {"threshold": 10.0},
        "FAR_LT_MIN": {"threshold": 1.0},
        "TWO_HIGH_OLD": {"threshold": 5000.0},
        "TWO_HIGH_NEW": {"threshold": float("nan")},  # a missing threshold → plain
    }
    pairs = reason_pairs(codes)
    zh, en = fill_reason_texts(pairs, values, thr)
    records = values.to_dict(orient="index")
    for k, (pos, code) in enumerate(pairs[["pos", "code"]].itertuples(index=False)):
        row = {**records[values.index[pos]], **thr.get(code, {})}
        assert zh[k] == describe(code, "zh", row), (pos, code)
        assert en[k] == describe(code, "en", row), (pos, code)
    assert zh[0] == "亩均税收2.35万元/亩,低于下限10万元/亩"  # worked by hand from the template
    joined = join_at(pairs["pos"], zh, codes.index, "；")
    assert joined.loc[10] == "；".join(zh[:3])
    assert list(joined.index) == [10, 11, 12, 13, 14]


def test_join_columns_skips_empty_parts() -> None:
    idx = pd.Index(["a", "b", "c"])
    parts = [pd.Series(["x", "", None]), pd.Series(["", "", "z"]), pd.Series(["y", "", "w"])]
    assert join_columns(parts, "、", idx).tolist() == ["x、y", "", "z、w"]


def test_whole_months_to_matches_scalar() -> None:
    starts = pd.Series(
        pd.to_datetime(["2019-03-01", "2019-03-31", None, "2022-05-15", "2021-12-31", "2020-02-29"])
    )
    for day in (pd.Timestamp("2021-12-31"), pd.Timestamp("2020-02-29"), pd.Timestamp("2019-03-15")):
        got = whole_months_to(starts, day)
        want = [whole_months(s, day) for s in starts]
        np.testing.assert_array_equal(got.to_numpy(), np.array(want))
    assert whole_months_to(starts, pd.Timestamp("2021-12-31")).iloc[0] == 33.0


def test_text_truthy_contains_match_scalar() -> None:
    raw = pd.Series([" a ", None, np.nan, 1.0, 2, pd.NA, "是", True, "否", " Yes", 0], dtype=object)
    assert text_of(raw).tolist() == ["a", "", "", "1.0", "2", "", "是", "True", "否", "Yes", "0"]
    assert truthy_flags(raw).tolist() == [truthy(v) for v in raw]
    text = pd.Series(["工业用地(M1)", "商业", "", "a.b"])
    assert contains_any(text, ["工业", "M2"]).tolist() == [True, False, False, False]
    assert contains_any(text, ["."]).tolist() == [False, False, False, True]  # not a regex
    assert contains_any(text, []).tolist() == [False] * 4
    assert contains_any(text, [""]).tolist() == [True] * 4


def test_map_slices_equals_one_call() -> None:
    a = shapely.buffer(shapely.points(np.arange(50.0), np.zeros(50)), 0.7)
    b = shapely.box(np.arange(50.0) - 0.2, -1, np.arange(50.0) + 1.3, 0.3)
    one = shapely.area(shapely.intersection(a, b, grid_size=0.01))
    split = shapely.area(map_slices(shapely.intersection, a, b, workers=4, grid_size=0.01))
    np.testing.assert_array_equal(one, split)
    assert len(map_slices(shapely.area, a[:0], workers=3)) == 0


def test_query_slices_equals_one_query() -> None:
    # 1 m squares at x = 0, 0.5, 1, … 9.5: each meets the ones up to 1 m away (touching counts)
    boxes = shapely.box(np.arange(20) * 0.5, 0, np.arange(20) * 0.5 + 1, 1)
    tree = shapely.STRtree(boxes)
    one = tree.query(boxes, predicate="intersects")
    for workers in (1, 3, 7):
        split = query_slices(tree, boxes, predicate="intersects", workers=workers)
        np.testing.assert_array_equal(split, one)
    # by hand: square i meets i-2 … i+2 (itself too): 20·5 less 2 + 1 missing at each end
    assert split.shape == (2, 20 * 5 - 6) and split[0].tolist() == sorted(split[0].tolist())
    near = query_slices(tree, boxes[:4], predicate="dwithin", distance=1.2, workers=2)
    np.testing.assert_array_equal(near, tree.query(boxes[:4], predicate="dwithin", distance=1.2))


def test_is_in_equals_series_isin() -> None:
    """Arrow membership gives Series.isin's answer for text, missing values, numbers and mixed cells."""
    cases = [
        (pd.Series(["91330381A", "91330381B", None, "X"]), ["91330381A", None]),
        (pd.Series(["a", "b", None], dtype=object), {"b": 1}.keys()),
        (pd.Series([1, 2, 3]), [2]),
        (pd.Series(["a", 1], dtype=object), ["a"]),
        (pd.Series(["a", "b"]), pd.Index(["b"])),
        (pd.Series([], dtype="str"), []),
        (pd.Series(["a"]), set()),
        (pd.Series(["x", np.nan]), pd.Series([np.nan], dtype=object)),
        (pd.Series(["宗地1", "宗地2"], index=[7, 3]), {"宗地2"}),
    ]
    for values, among in cases:
        listed = among if isinstance(among, pd.Series | pd.Index) else list(among)
        expected = values.isin(listed).to_numpy(dtype=bool)
        got = is_in(values, among)
        assert got.dtype == bool and got.tolist() == expected.tolist(), (values.tolist(), among)


def test_firm_names_compare_without_spaces_and_bracket_width() -> None:
    names = pd.Series(["瑞安市 华东（机械）有限公司", "瑞安市华东(机械)有限公司\u3000", None, "ＡＢＣ 厂"])
    assert normalise_firm_names(names).tolist() == [
        "瑞安市华东(机械)有限公司",
        "瑞安市华东(机械)有限公司",
        "",
        "ABC厂",
    ]
