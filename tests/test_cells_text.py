"""Text-cell checks done per column when a column holds only text, per cell otherwise."""

from __future__ import annotations

import pandas as pd

from ruian_land.core import all_text, defuse_formulas, text_cells
from ruian_land.export.writers import _yes_no, table_for_people


def test_text_columns_are_recognised_whatever_their_dtype() -> None:
    assert all_text(pd.Series(["a", None, "b"], dtype=object))
    assert all_text(pd.Series(["a", None], dtype="str"))
    assert not all_text(pd.Series(["a", 1], dtype=object))
    assert not all_text(pd.Series([1.0, 2.0]))
    mixed = pd.Series(["=a", 1, None, "b"], dtype=object)
    assert text_cells(mixed).tolist() == [True, False, False, True]
    assert text_cells(pd.Series(["=a", None], dtype=object)).tolist() == [True, False]


def test_defuse_and_people_tables_agree_on_text_and_mixed_columns() -> None:
    frame = pd.DataFrame(
        {
            "t": pd.Series(["=HYPERLINK(1)", None, "ok"], dtype=object),
            "m": pd.Series(["+1", 2, None], dtype=object),
            "b": pd.Series([True, None, False], dtype=object),
        }
    )
    out = defuse_formulas(table_for_people(frame))
    assert out["t"].tolist() == ["'=HYPERLINK(1)", None, "ok"]
    assert out["m"].tolist() == ["'+1", 2, None]
    assert out["b"].tolist() == ["是", None, "否"]
    assert _yes_no(pd.Series([True, False], dtype=bool)).tolist() == ["是", "否"]
