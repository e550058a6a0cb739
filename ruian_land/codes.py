"""统一社会信用代码 (USCC, GB 32100-2015): normalisation and check character.

A USCC has 18 characters: registration authority (1), entity type (1), administrative
division code (6), organisation code (9, itself with a GB 11714 check digit) and a check
character computed over the first 17 with weights ``3^i mod 31`` in the 31-character
alphabet ``0-9A-HJ-NP-RTUW-Y`` (no I, O, Z, S, V). Source: GB 32100-2015 §5 and Annex.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

__all__ = [
    "USCC_ALPHABET",
    "is_valid_uscc",
    "normalise_uscc",
    "uscc_check_char",
    "validate_uscc_series",
]

#: The 31 characters allowed in a USCC, in value order (GB 32100-2015 Table 1).
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}
#: Weights 3^i mod 31 for positions 1..17 (GB 32100-2015 §5).
_WEIGHTS = [pow(3, i, 31) for i in range(17)]
_PATTERN = re.compile(r"^[0-9A-HJ-NP-RTUW-Y]{2}\d{6}[0-9A-HJ-NP-RTUW-Y]{10}$")


def normalise_uscc(code: object) -> str | None:
    """Normalise a raw code: NFKC (full-width → half-width), spaces and dashes removed,
    upper case. Returns ``None`` for blank / missing values.

    >>> normalise_uscc(" ９１３３０３８１ ma2 8xyz ")
    '91330381MA28XYZ'
    """
    if code is None or (isinstance(code, float) and np.isnan(code)) or code is pd.NA:
        return None
    text = unicodedata.normalize("NFKC", str(code))
    text = re.sub(r"[\s\-_]", "", text).upper()
    if text.endswith(".0") and text[:-2].isdigit():  # numbers read from Excel
        text = text[:-2]
    return text or None


def uscc_check_char(first17: str) -> str:
    """The GB 32100-2015 check character for the first 17 characters.

    Raises
    ------
    ValueError
        If ``first17`` is not 17 characters of the USCC alphabet.
    """
    if len(first17) != 17 or any(c not in _VALUE for c in first17):
        raise ValueError(f"need 17 characters of {USCC_ALPHABET!r}, got {first17!r}")
    total = sum(_VALUE[c] * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def is_valid_uscc(code: object) -> bool:
    """True when ``code`` (after :func:`normalise_uscc`) is a well-formed USCC whose check
    character is right."""
    text = normalise_uscc(code)
    if text is None or not _PATTERN.match(text):
        return False
    return uscc_check_char(text[:17]) == text[17]


def validate_uscc_series(codes: pd.Series) -> pd.DataFrame:
    """Normalise and check a column of codes.

    Parameters
    ----------
    codes : Series
        Raw codes, any index.

    Returns
    -------
    DataFrame
        Same index, columns ``uscc`` (normalised str or None) and ``uscc_valid`` (bool).
    """
    norm = codes.map(normalise_uscc)
    valid = norm.map(is_valid_uscc).astype(bool)
    return pd.DataFrame({"uscc": norm, "uscc_valid": valid}, index=codes.index)
