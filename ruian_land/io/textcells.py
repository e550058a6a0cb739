"""Column-wise tests on raw cells (text, numbers, dates mixed in one object column), in Arrow
compute kernels: which cells are blank, the cells as text, which codes are already clean.

Each function gives, cell for cell, what the per-cell rule of :mod:`ruian_land.io.parse`
gives (``is_blank``, ``_text``), with Python's whitespace (``str.isspace``) spelled out for
RE2, so that reading a county's tables is not a Python loop over its cells. Cells that are
neither text nor numbers (rare) are handed back to the per-cell rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "PY_SPACES",
    "blank_mask",
    "kind_codes",
    "numeric_code_mask",
    "plain_code_mask",
    "squeezed_lower",
    "text_values",
    "type_codes",
]

#: The characters Python's ``str.isspace`` (and ``str.strip``, ``re``'s ``\s``) counts as spaces.
PY_SPACES = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_SPACE_RUN = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in PY_SPACES) + "]+"

#: Cell kinds: 0 missing (None, NaN, NaT, NA), 1 str, 2 float, 3 int, 4 bool, 5 anything else.
MISSING, TEXT, FLOAT, INT, BOOL, OTHER = 0, 1, 2, 3, 4, 5
_KIND: dict[type, int] = {
    str: TEXT,
    float: FLOAT,
    np.float64: FLOAT,
    np.float32: FLOAT,
    int: INT,
    np.int64: INT,
    np.int32: INT,
    bool: BOOL,
    np.bool_: BOOL,
}


def type_codes(values: np.ndarray, table: dict[type, int], default: int) -> np.ndarray:
    """``table[type(cell)]`` for every cell (exact types), ``default`` for the others; int8, the
    shape of ``values``."""
    if values.size == 0:
        return np.full(values.shape, default, dtype=np.int8)
    types = pd.Series(np.frompyfunc(type, 1, 1)(values).ravel(), dtype=object)
    codes = types.map(table).fillna(default)  # a hash lookup per cell, in pandas' C loop
    return codes.to_numpy(dtype=np.int8).reshape(values.shape)


def kind_codes(values: np.ndarray) -> np.ndarray:
    """The kind of each cell (int8 codes, see the module constants); missing first."""
    if len(values) == 0:
        return np.zeros(0, dtype=np.int8)
    codes = type_codes(values, _KIND, OTHER)
    missing = pd.isna(values)
    codes[missing & (codes != TEXT)] = MISSING
    return codes  # type: ignore[no-any-return]


def _arrow(texts: np.ndarray) -> pa.Array:
    return pc.utf8_normalize(pa.array(texts, type=pa.string()), "NFKC")


def squeezed_lower(texts: np.ndarray) -> pa.Array:
    """Text cells after NFKC, with every space removed, in lower case (``parse._clean(v).lower()``)."""
    return pc.utf8_lower(pc.replace_substring_regex(_arrow(texts), _SPACE_RUN, ""))


def blank_mask(values: np.ndarray, tokens: Iterable[str], kinds: np.ndarray | None = None) -> np.ndarray:
    """True for missing cells and texts that are, after NFKC, spaces removed and lower case, one
    of ``tokens`` (``parse.is_blank``)."""
    kinds = kind_codes(values) if kinds is None else kinds
    out = kinds == MISSING
    texts = kinds == TEXT
    if texts.any():
        hit = pc.is_in(squeezed_lower(values[texts]), value_set=pa.array(sorted(tokens), type=pa.string()))
        out[texts] = hit.to_numpy(zero_copy_only=False).astype(bool)
    return out  # type: ignore[no-any-return]


def text_values(
    values: np.ndarray, blank: np.ndarray, kinds: np.ndarray, fallback: Callable[[Any], str | None]
) -> np.ndarray:
    """The cells as text (object array, None when blank): texts NFKC and stripped (None when
    nothing is left), whole numbers as their digits, bools 是/否; other cells by ``fallback``."""
    out = np.full(len(values), None, dtype=object)
    texts = (kinds == TEXT) & ~blank
    if texts.any():
        stripped = pc.utf8_trim(_arrow(values[texts]), characters=PY_SPACES)
        arr = stripped.to_numpy(zero_copy_only=False).astype(object)
        arr[arr == ""] = None
        out[texts] = arr
    ints = (kinds == INT) & ~blank
    if ints.any():
        out[ints] = values[ints].astype(str).astype(object)  # str(int) per cell, in numpy's loop
    floats = (kinds == FLOAT) & ~blank
    if floats.any():
        f = values[floats].astype(float)
        whole = np.isfinite(f) & (f == np.floor(f)) & (np.abs(f) < 2.0**63)
        shown = np.empty(len(f), dtype=object)
        shown[whole] = f[whole].astype(np.int64).astype(str).astype(object)
        shown[~whole] = [fallback(v) for v in values[floats][~whole]]  # the few fractional codes
        out[floats] = shown
    bools = (kinds == BOOL) & ~blank
    if bools.any():
        out[bools] = np.where(values[bools].astype(bool), "是", "否").astype(object)
    rest = np.flatnonzero(((kinds == OTHER) | (kinds == MISSING)) & ~blank)
    out[rest] = [fallback(values[i]) for i in rest]
    return out


def plain_code_mask(values: np.ndarray, kinds: np.ndarray, *, risky: Iterable[str] = ()) -> np.ndarray:
    """Text cells already in a code's normal form: only ASCII digits and capitals (nothing for
    NFKC, spaces, dashes or case to change), and matching none of the ``risky`` RE2 patterns
    (e.g. scientific notation); every other cell still needs the per-cell check."""
    out = np.zeros(len(values), dtype=bool)
    texts = kinds == TEXT
    if texts.any():
        arr = pa.array(values[texts], type=pa.string())
        ok = pc.match_substring_regex(arr, r"^[0-9A-Z]+$")
        for pattern in risky:
            ok = pc.and_(ok, pc.invert(pc.match_substring_regex(arr, pattern, ignore_case=True)))
        out[texts] = ok.to_numpy(zero_copy_only=False).astype(bool)
    return out


#: A code Excel shows as a number: 15-18 digits, or a number in scientific notation (``\d`` is
#: any Unicode decimal digit, as in Python's ``re``).
_NUMERIC_CODE = r"^(?:\p{Nd}{15,18}|[+-]?\p{Nd}+(?:\.\p{Nd}*)?[eE]\+?\p{Nd}+)$"
_ANY_SPACE = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in PY_SPACES) + "]"


def numeric_code_mask(values: pd.Series) -> np.ndarray:
    r"""True for cells that, with every space removed, are all digits (15-18) or a number in
    scientific notation: codes Excel turns into numbers. Missing cells are False; other cells
    are tested as ``str(cell)``.

    Gives cell for cell what ``values.astype("string").str.replace(r"\s+", "", regex=True)
    .str.fullmatch(r"\d{15,18}|[+-]?\d+(\.\d*)?[eE]\+?\d+")`` gives (missing → False), in Arrow.
    """
    text = pa.array(values.astype("str"), type=pa.string())
    squeezed = pc.replace_substring_regex(text, _ANY_SPACE, "")
    hit = pc.match_substring_regex(squeezed, _NUMERIC_CODE)
    return np.asarray(pc.fill_null(hit, False).to_numpy(zero_copy_only=False), dtype=bool)
