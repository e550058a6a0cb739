"""The one place where Chinese column names meet the project's English names.

* :data:`~ruian_land.core.schemas.SCHEMAS` (in :mod:`ruian_land.core.schemas`): for each input kind, each canonical field with its Chinese (and English)
  aliases as bureaus write them, the unit scale factor each alias implies
  (``用电量(万千瓦时)`` → ``elec_kwh`` × 10 000), whether it is required, and its type.
* :data:`~ruian_land.core.labels.LABELS_ZH` (in :mod:`ruian_land.core.labels`): Chinese labels (with units) for tooltips and export headers.
* :func:`map_columns`: rename a raw table to canonical names, record the unit scale of each
  matched alias (applied after parsing by :func:`ruian_land.io.parse_columns`), and raise a
  clear :class:`~ruian_land.core.errors.InputError` that lists unmatched required columns and
  the closest headers found.

A project config can add aliases per kind (``columns: {tax: {tax_wan: ["税款(万元)"]}}``); the unit
such a header names (``用电(万度)``, ``税款(元)``) sets its scale (:data:`~ruian_land.core.units.UNIT_WORDS`),
or the config states it (``{elec_kwh: {header: 用电, scale: 10000}}``).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from ruian_land.core.errors import InputError, InputWarning
from ruian_land.core.schemas import SCHEMAS
from ruian_land.core.units import UNIT_WORDS

__all__ = ["CLASS_DECIDING", "header_unit", "map_columns", "normalise_header"]

#: Optional fields whose absence silently changes classes (vetoes, exemptions): when one is not
#: found and an unused header looks like one of its aliases, the reader says so (did you mean).
CLASS_DECIDING: dict[str, tuple[str, ...]] = {
    "registry": (
        "exempt_reason",
        "safety_accident",
        "environmental_penalty",
        "energy_task_unmet",
        "tax_arrears",
        "industry_policy",
    ),
    "parcels": (
        "government_delay",
        "government_delay_months",
        "government_delay_from",
        "government_delay_to",
    ),
}
#: Columns a reader adds to the source's own (not headers of the file).
_READER_ADDS: dict[str, tuple[str, ...]] = {"parcels": ("area_m2", "area_mu", "geometry_status")}
_LOOKS_LIKE = 0.5  # difflib ratio from which an unused header is offered as "did you mean"


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


def canonical_unit(canonical: str) -> str | None:
    """The unit a canonical column is in, from its suffix (``elec_kwh`` → ``kwh``); None when
    dimensionless or not a quantity (codes, names, dates, counts, ratios)."""
    suffix = canonical.rsplit("_", 1)[-1] if "_" in canonical else ""
    return suffix if suffix in UNIT_WORDS else None


def header_unit(header: object, canonical: str) -> tuple[str, float] | None:
    """The unit a header names for a canonical column, and the factor to the column's unit.

    The unit is the text in the header's last parentheses (``用电(万度)`` → ``万度``), else a unit
    word the header ends with (``税款元`` → ``元``), looked up in
    :data:`~ruian_land.core.units.UNIT_WORDS` for the column's unit (``elec_kwh``: kWh).

    >>> header_unit("用电(万度)", "elec_kwh")
    ('万度', 10000.0)
    >>> header_unit("用电", "elec_kwh") is None
    True
    """
    unit = canonical_unit(canonical)
    if unit is None:
        return None
    words = UNIT_WORDS[unit]
    text = normalise_header(header)
    inside = re.search(r"\(([^()]*)\)$", text)
    if inside:
        word = inside.group(1)
        return (word, words[word]) if word in words else None
    for word in sorted(words, key=len, reverse=True):
        if not word.isascii() and text.endswith(word) and len(text) > len(word):
            return word, words[word]
    return None


def _user_scale(
    canon: str, header: str, scale: float | None, schema_scale: float | None
) -> tuple[float, str | None]:
    """Scale of a project-config alias and a note on it (None when nothing to say)."""
    if scale is not None:
        return float(
            scale
        ), f"header '{header}' → {canon} × {float(scale):g} (scale stated in the project config)"
    if schema_scale is not None:  # the config repeats a header the schema knows, unit and all
        return schema_scale, None
    found = header_unit(header, canon)
    if found is not None:
        word, factor = found
        return factor, f"header '{header}' → {canon} × {factor:g} (unit {word} read from the header)"
    return 1.0, None


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
    extra_scales: Mapping[str, float] | None = None,
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
        ``{canonical: [alias, …]}`` from the project config. Each alias's scale is the one in
        ``extra_scales``, else the unit its header names (:func:`header_unit`: ``用电(万度)`` →
        × 10 000, ``税款(元)`` → × 0.0001 for a 万元 column), else 1 — with an
        :class:`~ruian_land.core.errors.InputWarning` when the column has a unit (万元, kWh, 亩 …)
        and the header used names none.
    extra_scales : mapping, optional
        ``{alias: scale}`` stated in the project config (``{header: …, scale: 10000}``).
    keep_unmapped : bool
        Keep source columns that match no field, under their own names.

    Returns
    -------
    DataFrame
        Same index and row order, values unchanged. Matched columns are renamed; the unit scale
        each matched alias implies (e.g. 10 000 for ``用电量(万千瓦时)`` → ``elec_kwh``) is stored
        in ``attrs['scales'][canonical]`` (only factors other than 1) and applied by
        :func:`ruian_land.io.parse_columns` after the cells are parsed as numbers;
        ``attrs['source_columns']`` maps canonical names back to the source headers;
        ``attrs['column_notes']`` lists input-level ledger notes (``row`` None): each header
        matching no field (``unused_column``), each optional field not found
        (``optional_field_missing``, with a "did you mean" when an unused header looks like it),
        and each project alias's unit (``unit_from_header``, ``alias_without_unit``).

    Warns
    -----
    InputWarning
        A project alias used for a column with a unit names no unit (read as the column's own
        unit); an optional field that decides vetoes or exemptions (:data:`CLASS_DECIDING`) is
        missing while an unused header looks like it (one warning per input).

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
    user_notes: dict[str, str | None] = {}  # normalised user alias → its unit note
    stated = {normalise_header(k): float(v) for k, v in (extra_scales or {}).items()}
    for canon, fld in schema.items():
        known = {normalise_header(a): sc for a, sc in fld.aliases.items()}
        for alias, scale in fld.aliases.items():
            by_norm[normalise_header(alias)] = (canon, scale)
        for extra in (extra_aliases or {}).get(canon, []):
            key = normalise_header(extra)
            scale, note = _user_scale(canon, str(extra), stated.get(key), known.get(key))
            by_norm[key] = (canon, scale)
            user_notes[key] = note
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
    out.attrs["column_notes"] = _column_notes(df, kind, source, rename, user_notes, extra_aliases)
    return out


def _note(column: str, problem: str, detail: str) -> dict[str, Any]:
    return {"row": None, "column": column, "problem": problem, "action": "kept", "detail": detail}


def _column_notes(
    df: pd.DataFrame,
    kind: str,
    source: str,
    rename: Mapping[Any, str],
    user_notes: Mapping[str, str | None],
    extra_aliases: Mapping[str, Sequence[str]] | None,
) -> list[dict[str, Any]]:
    """Input-level notes of a column mapping (see :func:`map_columns`), warning where they matter."""
    schema = SCHEMAS[kind]
    notes: list[dict[str, Any]] = []
    for col, canon in rename.items():
        key = normalise_header(col)
        if key not in user_notes:
            continue
        if user_notes[key] is not None:
            notes.append(_note(canon, "unit_from_header", str(user_notes[key])))
        elif (unit := canonical_unit(canon)) is not None:
            unit = next(w for w, f in UNIT_WORDS[unit].items() if f == 1.0)  # 万元, 千瓦时, 平方米 …
            text = (
                f"{source}: column '{col}' is mapped to {canon} by the project config but its header "
                f"names no unit this tool knows; it is read as {unit} (the column's own unit). If it is "
                f"in another unit, put the unit in the header (e.g. '{col}({unit})') or state the factor: "
                f"columns: {{{kind}: {{{canon}: {{header: {col}, scale: <factor>}}}}}} (e.g. 10000 for "
                "万千瓦时 → 千瓦时, 0.0001 for 元 → 万元)"
            )
            warnings.warn(text, InputWarning, stacklevel=3)
            notes.append(_note(canon, "alias_without_unit", f"header '{col}' names no unit; read as {unit}"))
    added = (*_READER_ADDS.get(kind, ()), "source_row", "geometry")  # not the bureau's headers
    unused = [str(c) for c in df.columns if c not in rename and c not in added]
    for col in unused:
        notes.append(_note(col, "unused_column", f"header '{col}' matches no {kind} column; not used"))
    hints = []
    for canon, fld in schema.items():
        if fld.required or canon in rename.values():
            continue
        names = [*fld.aliases, *(extra_aliases or {}).get(canon, [])]
        close = [
            h
            for h in _closest(names, unused, n=1)
            if max(
                difflib.SequenceMatcher(None, normalise_header(a), normalise_header(h)).ratio() for a in names
            )
            >= _LOOKS_LIKE
        ]
        guess = f"; did you mean '{close[0]}'?" if close else ""
        notes.append(
            _note(
                canon,
                "optional_field_missing",
                f"no header for {canon} (e.g. '{names[0]}'): read as not given{guess}",
            )
        )
        if close and canon in CLASS_DECIDING.get(kind, ()):
            hints.append(f"map {close[0]} to {canon} under columns: ({{{kind}: {{{canon}: [{close[0]}]}}}})")
    if hints:
        warnings.warn(
            f"{source}: optional columns that decide vetoes or exemptions were not found, so no row has them, "
            f"and unused headers look like them — did you mean: {'; '.join(hints)}",
            InputWarning,
            stacklevel=3,
        )
    return notes
