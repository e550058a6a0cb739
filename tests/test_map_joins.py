"""Per-parcel texts of the map built without a Python call per parcel, checked against the
per-group definitions they replace."""

from __future__ import annotations

import pandas as pd

from ruian_land.core import join_unique
from ruian_land.maps.data import _occupant_labels


def test_join_unique_keeps_first_occurrences_in_order_and_every_key() -> None:
    keys = pd.Series(["b", "a", "b", "a", "c", "b", None])
    values = pd.Series(["x", None, "y", "z", None, "x", "w"], dtype=object)
    got = join_unique(keys, values)
    # what groupby(keys).agg(lambda s: "；".join(dict.fromkeys(str(v) for v in s if not pd.isna(v)))) gives
    assert got.to_dict() == {"a": "z", "b": "x；y", "c": ""}
    assert list(got.index) == ["a", "b", "c"]


def test_join_unique_text_only_drops_numbers_and_blanks() -> None:
    keys = pd.Series(["p", "p", "p", "q"])
    values = pd.Series([1.5, "", "超期", 7], dtype=object)
    assert join_unique(keys, values, text_only=True).to_dict() == {"p": "超期", "q": ""}
    assert join_unique(keys, values).to_dict() == {"p": "1.5；；超期", "q": "7"}


def test_occupant_labels_vectorised_equals_the_per_row_rule() -> None:
    names = ["瑞安市甲有限公司", None, "", "  none ", "nan", " 乙厂 "]
    usccs = pd.Series([f"9133038{i}" for i in range(len(names))])
    fast = _occupant_labels(pd.Series(names, dtype="str"), usccs)
    slow = _occupant_labels(pd.Series(names, dtype=object), usccs)
    want = [
        "瑞安市甲有限公司（91330380）",
        "91330381",
        "91330382",
        "91330383",
        "91330384",
        " 乙厂 （91330385）",
    ]
    assert fast == want
    assert slow == want
