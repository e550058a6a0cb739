"""The one place where Chinese column names meet the project's English names.

* :data:`~ruian_land.core.schemas.SCHEMAS` (in :mod:`ruian_land.core.schemas`): for each input kind, each canonical field with its Chinese (and English)
  aliases as bureaus write them, the unit scale factor each alias implies
  (``用电量(万千瓦时)`` → ``elec_kwh`` × 10 000), whether it is required, and its type.
* :data:`~ruian_land.core.labels.LABELS_ZH` (in :mod:`ruian_land.core.labels`): Chinese labels (with units) for tooltips and export headers.
* :func:`map_columns`: rename a raw table to canonical names, record the unit scale of each
  matched alias (applied after parsing by :func:`ruian_land.io.parse_columns`), and raise a
  clear :class:`~ruian_land.core.errors.InputError` that lists unmatched required columns and
  the closest headers found.

A project config can add aliases per kind (``columns: {tax: {tax_wan: ["税款(万元)"]}}``).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Mapping, Sequence

import pandas as pd

from ruian_land.core.errors import InputError
from ruian_land.core.schemas import SCHEMAS

__all__ = ["map_columns", "normalise_header"]


_PARENS = str.maketrans({"（": "(", "）": ")", "【": "(", "】": ")", "［": "(", "］": ")"})


def normalise_header(header: object) -> str:
    """Normalise a header for matching: NFKC (full-width → half-width), parentheses unified,
    whitespace and line breaks removed, ASCII lower-cased.

    >>> normalise_header(" 用电量（万千瓦时）\\n")
    '用电量(万千瓦时)'
    """
    text = unicodedata.normalize("NFKC", str(header)).translate(_PARENS)
    text = re.sub(r"\s+", "", text)
    return text.lower()


def _closest(aliases: Sequence[str], headers: Sequence[str], n: int = 3) -> list[str]:
    """Headers most similar to any alias of a field (normalised; best first, ratio ≥ 0.3)."""
    scores: dict[str, float] = {}
    for h in headers:
        hn = normalise_header(h)
        if not hn:
            continue
        best = max(difflib.SequenceMatcher(None, normalise_header(a), hn).ratio() for a in aliases)
        if best >= 0.3:
            scores[h] = best
    return sorted(scores, key=lambda h: (-scores[h], headers.index(h)))[:n]


def map_columns(
    df: pd.DataFrame,
    kind: str,
    *,
    source: str = "input",
    extra_aliases: Mapping[str, Sequence[str]] | None = None,
    keep_unmapped: bool = True,
) -> pd.DataFrame:
    """Rename a raw table's columns to canonical names and apply unit scale factors.

    Parameters
    ----------
    df : DataFrame
        Raw table with the source's headers (Chinese allowed), any index.
    kind : str
        Key of :data:`SCHEMAS` (``parcels``, ``registry``, ``tax``, ``statistics``,
        ``energy``, ``emissions``, ``leases``, ``control_lines``, ``towns``).
    source : str
        File name, used in error messages.
    extra_aliases : mapping, optional
        ``{canonical: [alias, …]}`` from the project config (scale 1).
    keep_unmapped : bool
        Keep source columns that match no field, under their own names.

    Returns
    -------
    DataFrame
        Same index and row order, values unchanged. Matched columns are renamed; the unit scale
        each matched alias implies (e.g. 10 000 for ``用电量(万千瓦时)`` → ``elec_kwh``) is stored
        in ``attrs['scales'][canonical]`` (only factors other than 1) and applied by
        :func:`ruian_land.io.parse_columns` after the cells are parsed as numbers;
        ``attrs['source_columns']`` maps canonical names back to the source headers.

    Raises
    ------
    InputError
        A required field matches no column (for each: an example alias and the closest
        headers found, compared with every alias of the field), or two columns match the
        same field.
    """
    try:
        schema = SCHEMAS[kind]
    except KeyError:
        raise ValueError(f"unknown column schema '{kind}'; known: {sorted(SCHEMAS)}") from None
    by_norm: dict[str, tuple[str, float]] = {}
    for canon, fld in schema.items():
        aliases = dict(fld.aliases)
        for extra in (extra_aliases or {}).get(canon, []):
            aliases[extra] = 1.0
        for alias, scale in aliases.items():
            by_norm[normalise_header(alias)] = (canon, scale)
    rename: dict[str, str] = {}
    scales: dict[str, float] = {}
    seen: dict[str, str] = {}
    for col in df.columns:
        hit = by_norm.get(normalise_header(col))
        if hit is None:
            continue
        canon, scale = hit
        if canon in seen:
            raise InputError(
                f"columns '{seen[canon]}' and '{col}' both map to '{canon}'",
                path=source,
                column=str(col),
                fix="delete or rename one of them",
            )
        seen[canon] = str(col)
        rename[col] = canon
        scales[canon] = scale
    missing = [c for c, f in schema.items() if f.required and c not in seen]
    if missing:
        headers = [str(c) for c in df.columns]
        hints = []
        taken = set(rename)
        for canon in missing:
            names = list(schema[canon].aliases) + list((extra_aliases or {}).get(canon, []))
            close = _closest(
                names,
                [h for h, c in zip(headers, df.columns, strict=True) if c not in taken and h != "source_row"],
            )
            hints.append(f"'{canon}' (e.g. {names[0]!r}; closest headers found: {close or 'none'})")
        raise InputError(
            "required columns not found: " + "; ".join(hints),
            path=source,
            column=", ".join(missing),
            fix="rename the header to one of the aliases in ruian_land/core/schemas.py, or add an alias "
            f"under 'columns: {{{kind}: …}}' in the project config",
        )
    out = df.rename(columns=rename)
    if not keep_unmapped:
        out = out[[c for c in out.columns if c in schema or c == "geometry"]]
    out.attrs["scales"] = {k: v for k, v in scales.items() if v != 1.0}
    out.attrs["source_columns"] = {v: k for k, v in rename.items()}
    return out
