"""Column-wise cell tests in Arrow give, cell for cell, what Python's ``re`` gives."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from ruian_land.io.textcells import PY_SPACES, numeric_code_mask

OLD = r"\d{15,18}|[+-]?\d+(\.\d*)?[eE]\+?\d+"  # the per-cell rule, in Python's re


def _by_re(values: pd.Series) -> list[bool]:
    text = values.astype("string").str.replace(r"\s+", "", regex=True)
    return text.str.fullmatch(OLD).fillna(False).astype(bool).tolist()


def test_codes_excel_shows_as_numbers() -> None:
    cells = pd.Series(
        [
            "913303811234567890",  # 18 digits
            " 9133 0381 1234 5678 90",  # spaces anywhere are dropped first
            "\u30009133038112345678\u3000",  # ideographic spaces too
            "１２３４５６７８９０１２３４５６",  # full-width digits are digits (as in re)
            "9.13303E+17",
            "-3e+5",
            9.13303811e17,  # a number cell: str() → 9.13303811e+17
            "91330381MA2ABCDE1X",  # letters: Excel keeps it as text
            "12345678901234",  # 14 digits
            "1e+",
            "",
            None,
            np.nan,
        ],
        dtype=object,
    )
    want = [True] * 7 + [False] * 6
    assert numeric_code_mask(cells).tolist() == want == _by_re(cells)
    assert numeric_code_mask(pd.Series([], dtype=object)).tolist() == []


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="0123456789１٣eE+-. " + PY_SPACES[:6] + "\u3000A", max_size=22), max_size=8))
def test_numeric_code_mask_is_the_re_rule(texts: list[str]) -> None:
    cells = pd.Series(texts, dtype=object)
    assert numeric_code_mask(cells).tolist() == _by_re(cells)
