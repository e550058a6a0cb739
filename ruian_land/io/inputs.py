"""Read every source a project config names, map Chinese headers to canonical names, parse
types (DESIGN §1, CONTRACTS §1–§2)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from ruian_land.columns import SCHEMAS, map_columns
from ruian_land.errors import InputError, InputWarning
from ruian_land.io.parse import parse_bool, parse_dates, parse_numbers, parse_text
from ruian_land.io.tables import read_table
from ruian_land.io.vector import read_layer, read_parcels

if TYPE_CHECKING:
    from ruian_land.config import ProjectConfig

__all__ = ["FIRM_TABLES", "ISSUE_COLUMNS", "Inputs", "load_inputs", "parse_columns"]

#: Table sources keyed by 统一社会信用代码, in merge order (the registry is the master list).
FIRM_TABLES: tuple[str, ...] = ("registry", "tax", "statistics", "energy", "emissions")
_TABLES: tuple[str, ...] = (*FIRM_TABLES, "leases")
_LAYERS: tuple[str, ...] = ("control_lines", "towns", "boundary")
#: Columns of :attr:`Inputs.issues` and :attr:`Inputs.dropped`.
ISSUE_COLUMNS = ["input", "row", "column", "problem", "detail"]


@dataclass
class Inputs:
    """Raw, column-mapped, type-parsed frames of one project (before validation).

    Every frame has ``source_row`` (1-based feature number, or data row counted from the first
    row below the header) and keeps its unmapped source columns. Layers are in EPSG:4549.

    Attributes
    ----------
    parcels : GeoDataFrame
        Canonical parcel columns of CONTRACTS §1 (where present) plus ``area_m2``, ``area_mu``.
    registry, tax : DataFrame
        Firm registry and tax table (required sources).
    statistics, energy, emissions, leases : DataFrame or None
        Optional tables (None when the project does not name them).
    control_lines, towns, boundary : GeoDataFrame or None
        Optional layers.
    built_up : Path or None
        Built-up fraction raster (read later, by screening).
    dropped : DataFrame
        Rows removed while reading (``input, row, column, problem, detail``): totals (合计) rows
        and trailing notes; the ledger counts them as rejected.
    issues : DataFrame
        Cells that could not be parsed (set to missing), same columns; the ledger reports
        them as kept rows with a note.
    rows_in : dict
        Data rows per input as in the file (totals rows included, blank rows not).
    meta : dict
        Per input: ``path``, ``encoding``, ``encoding_source``, ``encoding_reason``,
        ``header_rows``, ``source_columns`` (canonical → header).
    data_year : int or None
        The project's data year (tax rows of other years are rejected by validation).
    """

    parcels: gpd.GeoDataFrame
    registry: pd.DataFrame
    tax: pd.DataFrame
    statistics: pd.DataFrame | None = None
    energy: pd.DataFrame | None = None
    emissions: pd.DataFrame | None = None
    leases: pd.DataFrame | None = None
    control_lines: gpd.GeoDataFrame | None = None
    towns: gpd.GeoDataFrame | None = None
    boundary: gpd.GeoDataFrame | None = None
    built_up: Path | None = None
    dropped: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ISSUE_COLUMNS))
    issues: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ISSUE_COLUMNS))
    rows_in: dict[str, int] = field(default_factory=dict)
    meta: dict[str, dict[str, Any]] = field(default_factory=dict)
    data_year: int | None = None

    def frames(self) -> dict[str, pd.DataFrame]:
        """The frames present, keyed by input name (parcels, registry, …, boundary)."""
        names = ("parcels", *_TABLES, *_LAYERS)
        return {n: getattr(self, n) for n in names if getattr(self, n) is not None}


def parse_columns(
    df: pd.DataFrame, kind: str, *, input_name: str | None = None
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Parse the canonical columns of a mapped frame by their schema kind and apply unit scales.

    Parameters
    ----------
    df : DataFrame
        Output of :func:`ruian_land.columns.map_columns` (``attrs['scales']`` and
        ``attrs['source_columns']`` used), with ``source_row``.
    kind : str
        Key of :data:`ruian_land.columns.SCHEMAS`.
    input_name : str, optional
        Name used in the issues (default ``kind``).

    Returns
    -------
    (DataFrame, list of dict)
        A copy with ``float`` fields as float64 (× the alias's unit scale, e.g. 万千瓦时 → kWh
        × 10⁴), ``int`` as nullable Int64, ``date`` as datetime64[ns], ``bool`` as nullable
        boolean, ``str`` as str; and one issue dict per unreadable cell
        (``input, row, column, problem='unparseable_value', detail``).
    """
    out = df.copy()
    scales: dict[str, float] = dict(df.attrs.get("scales", {}))
    headers: dict[str, str] = dict(df.attrs.get("source_columns", {}))
    issues: list[dict[str, Any]] = []
    name = input_name or kind
    rows: dict[Any, Any] = out["source_row"].to_dict() if "source_row" in out.columns else {}
    for canon, fld in SCHEMAS[kind].items():
        if canon not in out.columns:
            continue
        raw = out[canon]
        if fld.kind in ("float", "int"):
            parsed = parse_numbers(raw)
            bad = list(parsed.attrs["unparsed"])
            parsed = parsed * scales.get(canon, 1.0)
            if fld.kind == "int":
                frac = parsed.notna() & (parsed != np.round(parsed))
                bad += list(parsed.index[frac])
                parsed = parsed.where(~frac).round().astype("Int64")
        elif fld.kind == "date":
            parsed = parse_dates(raw)
            bad = list(parsed.attrs["unparsed"])
        elif fld.kind == "bool":
            parsed = parse_bool(raw)
            bad = list(parsed.attrs["unparsed"])
        else:
            parsed = parse_text(raw)
            bad = []
        for label in bad:
            issues.append(
                {
                    "input": name,
                    "row": int(rows[label]) if label in rows else None,
                    "column": canon,
                    "problem": "unparseable_value",
                    "detail": f"{headers.get(canon, canon)} = {raw[label]!r} is not a valid {fld.kind}; "
                    "read as missing",
                }
            )
        out[canon] = parsed
    out.attrs = dict(df.attrs)
    return out, issues


def _source_path(config: ProjectConfig, name: str) -> Path:
    path = config.path(name)
    if not path.exists():
        raise InputError(
            f"the {name} source file does not exist",
            path=path,
            fix=f"put the file there or correct 'sources: {name}: path:' in the project config "
            f"({config.root / 'project.yaml'})",
        )
    return path


def load_inputs(config: ProjectConfig) -> Inputs:
    """Read every source of a project, map columns and parse types.

    Parameters
    ----------
    config : ProjectConfig
        The project (``sources`` with path/encoding/crs/sheet/layer per source, ``columns``
        with extra aliases per kind, ``data_year``).

    Returns
    -------
    Inputs
        Frames as read (parcels and layers in EPSG:4549), with canonical names, parsed
        types, ``source_row``; plus the rows dropped while reading and unreadable cells.

    Raises
    ------
    InputError
        Missing file (naming the config key to fix), unreadable file, no CRS, undecidable
        encoding, or a required column missing (from :func:`ruian_land.columns.map_columns`,
        listing the closest headers).
    """
    frames: dict[str, Any] = {}
    dropped: list[dict[str, Any]] = []
    issues: list[dict[str, Any]] = []
    rows_in: dict[str, int] = {}
    meta: dict[str, dict[str, Any]] = {}
    for name, src in config.sources.items():
        if name == "built_up":
            frames[name] = _source_path(config, name)
            continue
        path = _source_path(config, name)
        extra = config.columns.get(name)
        if name in ("parcels", *_LAYERS):
            reader = read_parcels if name == "parcels" else read_layer
            raw = reader(path, encoding=src.encoding, crs=src.crs, layer=src.layer)
            rows_in[name] = len(raw)
        else:
            raw = read_table(path, encoding=src.encoding, sheet=src.sheet, kind=name, extra_aliases=extra)
            rows_in[name] = int(raw.attrs["rows_in"])
            for d in raw.attrs["dropped_rows"]:
                dropped.append({"input": name, "row": d["row"], "column": None, **d})
        attrs = dict(raw.attrs)
        if name in SCHEMAS:
            mapped = map_columns(raw, name, source=str(path), extra_aliases=extra)
            parsed, found = parse_columns(mapped, name)
            issues += found
        else:
            parsed = raw
        frames[name] = parsed
        meta[name] = {
            "path": path,
            "encoding": attrs.get("encoding"),
            "encoding_source": attrs.get("encoding_source"),
            "encoding_reason": attrs.get("encoding_reason"),
            "header_rows": attrs.get("header_rows"),
            "source_columns": parsed.attrs.get("source_columns", {}),
        }
    unknown = [k for k in config.columns if k not in SCHEMAS]
    if unknown:
        warnings.warn(
            f"column aliases given for unknown kinds {unknown}; known: {sorted(SCHEMAS)}",
            InputWarning,
            stacklevel=2,
        )
    return Inputs(
        **frames,
        dropped=pd.DataFrame(dropped, columns=ISSUE_COLUMNS),
        issues=pd.DataFrame(issues, columns=ISSUE_COLUMNS),
        rows_in=rows_in,
        meta=meta,
        data_year=config.data_year,
    )
