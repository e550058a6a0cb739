"""统一社会信用代码 (USCC, GB 32100-2015): normalisation and check character.

A USCC has 18 characters: registration authority (1), entity type (1), administrative
division code (6), organisation code (9, itself with a GB 11714 check digit) and a check
character computed over the first 17 with weights ``3^i mod 31`` in the 31-character
alphabet ``0-9A-HJ-NP-RTUW-Y`` (no I, O, Z, S, V). Source: GB 32100-2015 §5 and Annex.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ruian_land.core.membership import is_in

__all__ = [
    "USCC_ALPHABET",
    "check_char_twins",
    "is_valid_uscc",
    "is_valid_uscc_series",
    "normalise_firm_names",
    "normalise_parcel_id",
    "normalise_parcel_ids",
    "normalise_uscc",
    "normalise_uscc_series",
    "stored_as_number",
    "uscc_check_char",
    "validate_uscc_series",
]

#: The 31 characters allowed in a USCC, in value order (GB 32100-2015 Table 1).
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {c: i for i, c in enumerate(USCC_ALPHABET)}
#: Weights 3^i mod 31 for positions 1..17 (GB 32100-2015 §5).
_WEIGHTS = [pow(3, i, 31) for i in range(17)]
#: Character value per byte (-1 outside the alphabet), for the vectorised check.
_LOOKUP = np.full(256, -1, dtype=np.int64)
_LOOKUP[[ord(c) for c in USCC_ALPHABET]] = np.arange(len(USCC_ALPHABET))
_PATTERN = re.compile(r"^[0-9A-HJ-NP-RTUW-Y]{2}\d{6}[0-9A-HJ-NP-RTUW-Y]{10}$")
#: The same pattern with ASCII digits only (Arrow's RE2 applies it to whole columns).
_PATTERN_ASCII = r"[0-9A-HJ-NP-RTUW-Y]{2}[0-9]{6}[0-9A-HJ-NP-RTUW-Y]{10}"
#: Python's whitespace (``str.isspace``), as a regex class both ``re`` and Arrow's RE2 read alike.
_SPACE_RUN = "[" + "".join(c for c in map(chr, range(0x3001)) if c.isspace()) + "]+"
#: Scientific notation as Excel shows a long number (``9.13303E+17``).
_SCIENTIFIC = re.compile(r"^[+-]?\d+(\.\d*)?E\+?\d+$", re.I)
#: Excel keeps 15 significant digits: an 18-digit code typed as a number ends in ``000``.
_TRUNCATED = re.compile(r"^\d{15}000$")


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
    norm = normalise_uscc_series(codes)
    valid = is_valid_uscc_series(norm)
    return pd.DataFrame({"uscc": norm, "uscc_valid": valid}, index=codes.index)


def normalise_uscc_series(codes: pd.Series) -> pd.Series:
    """:func:`normalise_uscc` of a whole column, with string methods instead of a call per value.

    Parameters
    ----------
    codes : Series
        Raw codes, any index and dtype.

    Returns
    -------
    Series
        Same index; as ``codes.map(normalise_uscc)`` gives it: ``str`` dtype with NaN for
        blank / missing codes (object dtype of ``None`` when every code is blank).
    """
    if codes.empty:
        return codes.map(normalise_uscc)
    values = codes.to_numpy(dtype=object)
    out = np.full(len(values), None, dtype=object)
    is_text = np.fromiter((type(v) is str for v in values), dtype=bool, count=len(values))
    at = np.flatnonzero(is_text)
    # already clean (ASCII upper-case letters and digits): normalising leaves it as it is
    clean = pd.Series(values[at], dtype="str").str.fullmatch(r"[0-9A-Z]+").to_numpy(dtype=bool)
    out[at[clean]] = values[at[clean]]
    rest = np.ones(len(values), dtype=bool)
    rest[at[clean]] = False
    rest &= ~pd.isna(values)
    out[rest] = [normalise_uscc(v) for v in values[rest]]  # the few that need NFKC, spaces, case
    if all(v is None for v in out[rest]) and not clean.any():
        return pd.Series(out, index=codes.index, dtype=object)
    return pd.Series(out, index=codes.index, dtype="str")


def is_valid_uscc_series(codes: pd.Series) -> pd.Series:
    """:func:`is_valid_uscc` of a whole column: the pattern by one regex, the GB 32100-2015 check
    character by numpy over an (n, 18) array of character values.

    Parameters
    ----------
    codes : Series
        Codes, normalised (:func:`normalise_uscc_series`) or raw.

    Returns
    -------
    Series of bool, same index.
    """
    norm = normalise_uscc_series(codes).astype("str")
    shaped = norm.str.fullmatch(_PATTERN_ASCII).fillna(False).astype(bool).to_numpy()
    out = np.zeros(len(norm), dtype=bool)
    at = np.flatnonzero(shaped)
    if len(at):
        texts = norm.to_numpy(dtype=object)[at]
        chars = np.frombuffer("".join(texts).encode("ascii"), dtype=np.uint8).reshape(-1, 18)
        values = _LOOKUP[chars]
        total = (values[:, :17] * np.array(_WEIGHTS)).sum(axis=1)
        out[at] = (31 - total % 31) % 31 == values[:, 17]
    return pd.Series(out, index=codes.index, dtype=bool)
    texts = norm.to_numpy(dtype=object)[at]
    ascii_ = np.fromiter((t.isascii() for t in texts), dtype=bool, count=len(texts))
    for k in np.flatnonzero(~ascii_):  # Unicode digits that \d matched: the scalar path, as before
        out[at[k]] = is_valid_uscc(texts[k])
    at, texts = at[ascii_], texts[ascii_]
    if len(at):
        chars = np.frombuffer("".join(texts).encode("ascii"), dtype=np.uint8).reshape(-1, 18)
        values = _LOOKUP[chars]
        total = (values[:, :17] * np.array(_WEIGHTS)).sum(axis=1)
        out[at] = (31 - total % 31) % 31 == values[:, 17]
    return pd.Series(out, index=codes.index, dtype=bool)


def normalise_firm_names(names: pd.Series) -> pd.Series:
    """Firm names as a comparison key: NFKC, full-width brackets as ASCII, every space removed.

    ``瑞安市 华东（机械）有限公司`` and ``瑞安市华东(机械)有限公司`` get the same key. Used to tell
    whether two tables name the same firm, never to rewrite a name.

    Parameters
    ----------
    names : Series
        n names (any dtype; missing allowed), any index.

    Returns
    -------
    Series of str, same index; ``""`` for missing names.
    """
    texts = pa.array(pd.Series(names, dtype="str").array, type=pa.large_string())
    # NFKC makes full-width brackets ASCII ones (U+FF08 → "(")
    key = pc.replace_substring_regex(pc.utf8_normalize(texts, "NFKC"), _SPACE_RUN, "")
    return pd.Series(key.to_numpy(zero_copy_only=False), index=names.index, dtype="str").fillna("")


def normalise_parcel_id(value: object) -> str | None:
    """宗地代码 as text: NFKC (full-width → half-width), whitespace removed, upper case;
    ``None`` when blank. ``'330381101002gb00123 '`` → ``'330381101002GB00123'``."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value))).upper()
    return text or None


def normalise_parcel_ids(values: pd.Series) -> pd.Series:
    """:func:`normalise_parcel_id` of a whole column.

    ASCII texts are normalised in Arrow (whitespace removed, upper case: NFKC leaves ASCII as
    it is); other texts, numbers and other objects cell by cell with :func:`normalise_parcel_id`,
    so every cell gets exactly its value.

    Parameters
    ----------
    values : Series
        n 宗地代码 (any dtype; missing allowed), any index.

    Returns
    -------
    Series, same index and dtype as ``values.map(normalise_parcel_id)``: texts, missing for
    blank or missing cells; a text column (``str``, ``string``) keeps its dtype, another is
    ``str`` when every cell gives a text or nothing, else object.
    """
    out = np.full(len(values), None, dtype=object)
    texts: pa.Array | pa.ChunkedArray | None
    if values.dtype != object and pd.api.types.is_string_dtype(values.dtype):  # str / string: Arrow as is
        texts = pa.array(pd.Series(values, dtype="str").array, type=pa.large_string())
    else:
        try:
            texts = pa.array(values.to_numpy(dtype=object), type=pa.large_string(), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # numbers or other objects among the texts
            texts = None
    if texts is None:
        plain = np.zeros(len(values), dtype=bool)
    else:
        plain = pc.fill_null(pc.string_is_ascii(texts), False).to_numpy(zero_copy_only=False)
        keys = pc.ascii_upper(pc.replace_substring_regex(texts, _SPACE_RUN, ""))
        keys = pc.if_else(pc.equal(keys, ""), pa.scalar(None, pa.large_string()), keys)
        out[plain] = keys.filter(pa.array(plain)).to_numpy(zero_copy_only=False)
    rest = ~plain & ~pd.isna(values).to_numpy()
    if rest.any():
        out[rest] = [normalise_parcel_id(v) for v in values.to_numpy(dtype=object)[rest]]
    # as ``values.map(normalise_parcel_id)``: a text column keeps its dtype, others are inferred
    result = pd.Series(out, index=values.index)
    if len(result) and result.isna().all():  # no code at all: the dtype pandas' map gives such a column
        return values.map(normalise_parcel_id)
    return result.astype(values.dtype) if isinstance(values.dtype, pd.StringDtype) else result


def stored_as_number(value: object) -> bool:
    """True when a raw 统一社会信用代码 cell went through a number and lost digits.

    Excel keeps 15 significant digits, so an 18-character code typed or imported as a number
    comes back as a float cell, as scientific notation (``9.13303E+17``) or as 18 digits ending
    in ``000`` (``913303817062278000``) that fail the GB 32100-2015 check. An integer cell whose
    digits pass the check is exact and not counted; nor is a blank.

    >>> stored_as_number(9.13303817062278e17), stored_as_number("9.13303E+17")
    (True, True)
    >>> stored_as_number("913303817062278000"), stored_as_number("91330381MA28XYZ")
    (True, False)
    """
    if value is None or value is pd.NA or isinstance(value, bool | np.bool_):
        return False
    if isinstance(value, float | np.floating):
        return not np.isnan(value)
    if isinstance(value, int | np.integer):
        return not is_valid_uscc(str(int(value)))
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value)))
    if _SCIENTIFIC.match(text):
        return True
    return bool(_TRUNCATED.match(text)) and not is_valid_uscc(text)


def check_char_twins(codes: Iterable[object], reference: Iterable[object]) -> dict[str, list[str]]:
    """Codes that match no reference code but share their first 17 characters with one.

    Two 18-character codes that differ only in the check character are almost surely the same
    firm with a typo in one of them (the check character is derived from the other 17).

    Parameters
    ----------
    codes : iterable of str
        Normalised codes to look up (e.g. a side table's or the parcels' owner codes).
    reference : iterable of str
        Normalised codes they should match (e.g. the registry's).

    Returns
    -------
    dict
        ``{code: [reference codes with the same first 17 characters]}`` for each 18-character
        code of ``codes`` that is not itself in ``reference`` and has such twins (sorted).
    """
    ref = _text_codes(reference).drop_duplicates()
    cand = _text_codes(codes)
    cand = cand[(cand.str.len() == 18).to_numpy() & ~is_in(cand, ref)]
    ref18 = ref[(ref.str.len() == 18).to_numpy()]
    stem = cand.str.slice(0, 17)
    hit = is_in(stem, ref18.str.slice(0, 17))
    if not hit.any():
        return {}
    ref_stem = ref18.str.slice(0, 17)
    wanted = is_in(ref_stem, stem[hit])
    stems: dict[str, list[str]] = {}
    for r in sorted(ref18[wanted].tolist()):  # the few reference codes with a twin
        stems.setdefault(r[:17], []).append(r)
    return {c: list(stems[c[:17]]) for c in cand[hit].tolist()}


def _text_codes(values: Iterable[object]) -> pd.Series:
    """The non-empty text values, as a ``str`` Series with a fresh index (other cells left out)."""
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.StringDtype):  # texts already
        texts = values.dropna()
        return pd.Series(texts[(texts.str.len() > 0).to_numpy()].array, dtype="str")
    listed = values.tolist() if isinstance(values, pd.Series) else list(values)
    return pd.Series([v for v in listed if isinstance(v, str) and v], dtype="str")
