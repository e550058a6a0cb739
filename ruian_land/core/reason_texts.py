"""Detailed reason texts for many rows at once, in long form: one row per (row, code) pair.

A screened county has ~10⁵–10⁶ parcels and firms with a few reason codes each. The texts are
built per code, not per row: for every code the rows holding it are taken together, only the
columns its template names are read, missing values are found with vectorised masks, and the
template is filled for the complete rows (plain text for the others, as
:func:`~ruian_land.core.reasons.describe` does for one row). Texts are joined back per row by
Arrow (:func:`~ruian_land.core.groups.join_by_group`).
"""

from __future__ import annotations

import string
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ruian_land.core.groups import join_groups
from ruian_land.core.reasons import REASONS, reason_text

__all__ = ["fill_reason_texts", "join_at", "plain_texts", "reason_pairs"]

_FORMATTER = string.Formatter()


def reason_pairs(codes: pd.Series) -> pd.DataFrame:
    """One row per code of each ``;``-joined code string.

    Parameters
    ----------
    codes : Series of str
        ``;``-joined codes per row (``""``, missing or non-text → no pairs).

    Returns
    -------
    DataFrame
        Columns ``pos`` (int: position of the row in ``codes``) and ``code`` (str), on a
        ``RangeIndex``; in row order, then in the order of the codes in the row, a code
        repeated in a row kept once.
    """
    raw = codes.to_numpy(dtype=object)
    pos = np.flatnonzero((pd.notna(raw) & (raw != "")).astype(bool))
    split = pd.Series(raw[pos], index=pos, dtype=object).str.split(";").explode()  # non-text → NaN
    out = pd.DataFrame({"pos": split.index.to_numpy(dtype=np.int64), "code": split.to_numpy(dtype=object)})
    keep = out["code"].notna() & (out["code"] != "")
    return out.loc[keep].drop_duplicates(["pos", "code"]).reset_index(drop=True)


def fill_reason_texts(
    pairs: pd.DataFrame,
    values: pd.DataFrame,
    thresholds: Mapping[str, Mapping[str, Any]],
) -> tuple[np.ndarray, np.ndarray]:
    """Chinese and English detailed text of every (row, code) pair.

    Parameters
    ----------
    pairs : DataFrame
        From :func:`reason_pairs`: ``pos`` (row position in ``values``) and ``code`` (a key of
        :data:`~ruian_land.core.reasons.REASONS`).
    values : DataFrame
        The measured values the templates name (``tax_per_mu``, ``far`` …), one row per
        position ``pos`` refers to.
    thresholds : mapping
        ``{code: {"threshold": …, "share": …}}`` from the rule set; a threshold overrides a
        column of the same name.

    Returns
    -------
    (ndarray, ndarray)
        Object arrays of ``len(pairs)`` texts, aligned with ``pairs`` by position. A pair whose
        template names a value that is missing (None, NA, NaN, ±inf) or absent, or that cannot
        be formatted with it, gets the code's plain text, as
        :func:`~ruian_land.core.reasons.describe` gives it.

    Raises
    ------
    KeyError
        A code that is not in :data:`~ruian_land.core.reasons.REASONS`.
    """
    zh = np.empty(len(pairs), dtype=object)
    en = np.empty(len(pairs), dtype=object)
    if pairs.empty:
        return zh, en
    pos = pairs["pos"].to_numpy(dtype=np.int64)
    for key, idx in pairs.groupby("code", sort=False).indices.items():
        code = str(key)
        reason = REASONS[code]
        thr = thresholds.get(code, {})
        for out, template, lang in ((zh, reason.detail_zh, "zh"), (en, reason.detail_en, "en")):
            out[idx] = _fill(template, reason_text(code, lang), pos[idx], values, thr)
    return zh, en


def join_at(
    pos: np.ndarray | pd.Series, texts: Sequence[str] | np.ndarray, index: pd.Index, sep: str
) -> pd.Series:
    """Texts of (row, code) pairs joined per row with ``sep``, ``""`` for rows without any.

    Parameters
    ----------
    pos : array of int
        Row position (in ``index``) of each text, pairs of a row in their order.
    texts : array of str
        Same length as ``pos``.
    index : Index
        The rows (n labels).
    sep : str
        Separator (``"；"`` for Chinese, ``"; "`` for English texts).

    Returns
    -------
    Series of object (str), on ``index``.
    """
    out = np.full(len(index), "", dtype=object)
    keys = pd.Series(np.asarray(pos, dtype=np.int64))
    if len(keys):
        labels, joined = join_groups(keys, pd.Series(np.asarray(texts, dtype=object)), sep)
        out[np.asarray(labels, dtype=np.int64)] = joined
    return pd.Series(out, index=index, dtype=object)


def plain_texts(codes: pd.Series, lang: str = "zh") -> pd.Series:
    """Plain texts (no figures) of ``;``-joined code strings, joined with ``；`` (zh) or ``; `` (en).

    Parameters
    ----------
    codes : Series of str
        ``;``-joined codes (``""`` or missing → ``""``).
    lang : {"zh", "en"}

    Returns
    -------
    Series of str (object dtype), same index.

    Raises
    ------
    KeyError
        A code that is not in :data:`~ruian_land.core.reasons.REASONS`.
    """
    pairs = reason_pairs(codes)
    text = {c: reason_text(c, lang) for c in pairs["code"].unique()}
    return join_at(
        pairs["pos"],
        pairs["code"].map(text).to_numpy(dtype=object),
        codes.index,
        "；" if lang == "zh" else "; ",
    )


def _fill(
    template: str, plain: str, pos: np.ndarray, values: pd.DataFrame, thr: Mapping[str, Any]
) -> np.ndarray:
    """``template`` filled for the rows at ``pos``; ``plain`` where a value is missing."""
    out = np.full(len(pos), plain, dtype=object)
    if values.shape[1] == 0 and not thr:
        return out
    fields = list(dict.fromkeys(f for _, f, _, _ in _FORMATTER.parse(template) if f is not None))
    cols: list[Any] = []
    ok = np.ones(len(pos), dtype=bool)
    for name in fields:
        if name in thr:
            if _missing_scalar(thr[name]):
                return out
            cols.append(None)
            continue
        if name not in values.columns:
            return out  # describe: KeyError → plain text
        col = values[name].to_numpy()[pos]
        ok &= ~_missing(col)
        cols.append(col)
    rows = np.flatnonzero(ok)
    if not fields:
        out[:] = _format(template, {}, plain)
        return out
    columns = [
        [thr[n]] * len(rows) if c is None else c[rows].tolist() for n, c in zip(fields, cols, strict=True)
    ]
    out[rows] = [
        _format(template, dict(zip(fields, vals, strict=True)), plain) for vals in zip(*columns, strict=True)
    ]
    return out


def _format(template: str, values: Mapping[str, Any], plain: str) -> str:
    try:
        return template.format(**values)
    except (KeyError, ValueError, TypeError):
        return plain


def _missing(col: np.ndarray) -> np.ndarray:
    """Missing (None, NA, NaT, NaN, ±inf) per value of a column."""
    miss = np.asarray(pd.isna(col), dtype=bool)
    if col.dtype.kind == "f":
        return miss | ~np.isfinite(col)
    if col.dtype == object:
        floats = np.fromiter((isinstance(v, float | np.floating) for v in col), dtype=bool, count=len(col))
        if floats.any():
            f = np.array([float(v) for v in col[floats]])
            miss[floats] |= ~np.isfinite(f)
    return miss


def _missing_scalar(v: Any) -> bool:
    return bool(_missing(np.array([v], dtype=object))[0])
