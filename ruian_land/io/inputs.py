"""Read every source a project config names, map Chinese headers to canonical names, parse
types (DESIGN §1, CONTRACTS §1–§2)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from ruian_land.config import REQUIRED_SOURCES, ProjectConfig, SourceName, load_config
from ruian_land.core import SCHEMAS, InputError, InputWarning, cores, map_columns, mask_personal, start_forked
from ruian_land.io.parse import parse_columns
from ruian_land.io.points import read_points
from ruian_land.io.tables import read_table, sheet_hint
from ruian_land.io.vector import read_layer, read_parcels

__all__ = ["FIRM_TABLES", "ISSUE_COLUMNS", "Inputs", "load_inputs", "parse_columns"]

#: Table sources keyed by 统一社会信用代码, in merge order (the registry is the master list).
FIRM_TABLES: tuple[str, ...] = ("registry", "tax", "statistics", "energy", "emissions")
_TABLES: tuple[str, ...] = (*FIRM_TABLES, "leases")
_LAYERS: tuple[str, ...] = ("control_lines", "towns", "boundary")
#: Point tables (geocoded firm locations; lon/lat columns, ``coords:`` says GCJ-02/BD-09/WGS84).
_POINTS: tuple[str, ...] = ("points",)
#: Columns of :attr:`Inputs.issues` and :attr:`Inputs.dropped` (``action``: what the ledger
#: records, ``kept`` or ``repaired`` for issues, ``rejected`` for dropped rows).
ISSUE_COLUMNS = ["input", "row", "column", "problem", "detail", "action"]
#: Input bytes on disk from which two groups of sources are read at the same time (a tuning
#: constant of this module: below it a forked process costs more than it saves).
PARALLEL_READ_BYTES: int = 32 * 2**20


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
    points : GeoDataFrame or None
        Geocoded firm locations (:func:`ruian_land.io.points.read_points`), EPSG:4549.
    built_up : Path or None
        Built-up fraction raster (read later, by screening).
    other : dict
        Tables of sources this module has no schema for (e.g. ``previous_classes``), read
        with :func:`read_table` (encoding, header, 合计 rows handled), keyed by source name;
        their stages map and validate them.
    dropped : DataFrame
        Rows removed while reading (``input, row, column, problem, detail``): totals (合计) rows
        and trailing notes; the ledger counts them as rejected.
    issues : DataFrame
        Cell-level findings, same columns plus ``action``: unreadable cells (set to missing),
        blank required figures of the firm tables (``missing_value``), codes normalised
        (``code_repaired``, action ``repaired``) and codes that went through an Excel number
        (``code_stored_as_number``); the ledger records them with their action (default
        ``kept``).
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
    points: gpd.GeoDataFrame | None = None
    built_up: Path | None = None
    other: dict[str, pd.DataFrame] = field(default_factory=dict)
    dropped: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ISSUE_COLUMNS))
    issues: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=ISSUE_COLUMNS))
    rows_in: dict[str, int] = field(default_factory=dict)
    meta: dict[str, dict[str, Any]] = field(default_factory=dict)
    data_year: int | None = None

    def frames(self) -> dict[str, pd.DataFrame]:
        """The frames present, keyed by input name (parcels, registry, …, boundary)."""
        names = ("parcels", *_TABLES, *_LAYERS, *_POINTS)
        return {n: getattr(self, n) for n in names if getattr(self, n) is not None}


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


def _meta(path: Path, attrs: Mapping[Any, Any]) -> dict[str, Any]:
    keys = (
        "encoding",
        "encoding_source",
        "encoding_reason",
        "header_rows",
        "first_data_line",
        "sheet",
        "source_crs",
        "coords",
        "truncated",
    )
    return {
        "path": path,
        **{k: attrs.get(k) for k in keys},
        "source_columns": attrs.get("source_columns", {}),
    }


def _require_rows(name: str, raw: pd.DataFrame, path: Path, config: ProjectConfig) -> None:
    """A required source (parcels, registry, tax) must have at least one data row."""
    if len(raw):
        return
    what = {"parcels": "features", "registry": "firms", "tax": "taxpayer rows"}.get(name, "data rows")
    dropped = raw.attrs.get("dropped_rows", [])
    only = f" (only {len(dropped)} totals/notes row(s) below the header)" if dropped else ""
    header = "" if name == "parcels" else " below the header"
    raise InputError(
        f"the {name} source has no data: 0 {what}{header}{only}; every result would be meaningless",
        path=path,
        fix=f"export the {name} data again with its rows, or point 'sources: {name}: path:' in "
        f"{config.root / 'project.yaml'} at the right file",
    )


def _with_sheet_hint(
    exc: InputError, path: Path, attrs: Mapping[str, Any], kind: str, extra: Any
) -> InputError:
    """``exc`` with the workbook's sheets named, for a column-mapping error in an Excel file."""
    hint = sheet_hint(path, attrs.get("sheet"), kind, extra)
    if not hint:
        return exc
    text, fix = hint
    return InputError(
        f"{exc.detail.rstrip('.')}. {text}",
        path=exc.path,
        column=exc.column,
        row=exc.row,
        fix=f"{fix}; or {exc.fix}" if fix else exc.fix,
    )


@dataclass
class _SourceRead:
    """What reading one source gave: its frame (or path, or the InputError), ledger rows, meta."""

    value: Any
    other: bool = False
    rows_in: int | None = None
    dropped: list[dict[str, Any]] = field(default_factory=list)
    issues: list[dict[str, Any]] = field(default_factory=list)
    meta: dict[str, Any] | None = None
    warnings: list[warnings.WarningMessage] = field(default_factory=list)


def _read_source(config: ProjectConfig, name: SourceName) -> _SourceRead:
    """Read, map and parse one source of ``config`` (the body of :func:`load_inputs`)."""
    src = config.sources[name]
    if name == "built_up":
        return _SourceRead(_source_path(config, name))
    if name not in ("parcels", *_TABLES, *_LAYERS, *_POINTS):
        table = read_table(_source_path(config, name), encoding=src.encoding, sheet=src.sheet)
        if config.privacy.mask_personal:
            table, _ = mask_personal(table)
        return _SourceRead(table, other=True, meta=_meta(config.path(name), table.attrs))
    path = _source_path(config, name)
    extra = config.columns.get(name)
    coords = getattr(src, "coords", "cgcs2000")
    out = _SourceRead(None)
    if name == "parcels" or name in _LAYERS:
        reader = read_parcels if name == "parcels" else read_layer  # parcels add their area
        raw = reader(
            path, encoding=src.encoding, crs=src.crs, layer=src.layer, coords=coords, engine=src.engine
        )
        out.rows_in = len(raw)
    elif name in _POINTS:
        pts = read_points(path, coords=coords, encoding=src.encoding, sheet=src.sheet, extra_aliases=extra)
        out.rows_in = int(pts.attrs["rows_in"])
        out.dropped = [
            {"input": name, "row": d["row"], "column": None, **d} for d in pts.attrs["dropped_rows"]
        ]
        out.issues = [{**i, "input": name} for i in pts.attrs["issues"]]
        out.value, out.meta = pts, _meta(path, pts.attrs)
        return out
    else:
        raw = read_table(path, encoding=src.encoding, sheet=src.sheet, kind=name, extra_aliases=extra)
        if config.privacy.mask_personal:  # 法定代表人, phones, ID numbers never go further
            raw, masked = mask_personal(raw)
            raw.attrs["masked_columns"] = masked
        out.rows_in = int(raw.attrs["rows_in"])
        out.dropped = [
            {"input": name, "row": d["row"], "column": None, **d} for d in raw.attrs["dropped_rows"]
        ]
    attrs = dict(raw.attrs)
    if name in REQUIRED_SOURCES:
        _require_rows(name, raw, path, config)
    if name in SCHEMAS:
        try:
            mapped = map_columns(
                raw, name, source=str(path), extra_aliases=extra, extra_scales=config.column_scales.get(name)
            )
        except InputError as exc:
            raise _with_sheet_hint(exc, path, attrs, name, extra) from None
        out.issues = [{**n, "input": name} for n in mapped.attrs.get("column_notes", [])]
        parsed, found = parse_columns(mapped, name)
        out.issues += found
    else:
        parsed = raw
    out.value = parsed
    out.meta = _meta(path, {**attrs, "source_columns": parsed.attrs.get("source_columns", {})})
    if name == "parcels":  # which duplicated 宗地代码 validate keeps
        out.meta["duplicates"] = src.duplicates or "first"
    return out


def _read_group(
    config: ProjectConfig, names: list[SourceName], collect: bool
) -> list[tuple[SourceName, _SourceRead]]:
    """Read ``names`` in order, each source's warnings recorded with it; after the first
    :class:`InputError` the rest are not read unless ``collect``."""
    done: list[tuple[SourceName, _SourceRead]] = []
    for name in names:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            try:
                read = _read_source(config, name)
            except InputError as exc:
                read = _SourceRead(exc)
        read.warnings = list(seen)
        done.append((name, read))
        if isinstance(read.value, InputError) and not collect:
            break
    return done


def _source_bytes(config: ProjectConfig, name: SourceName) -> int:
    """Bytes on disk of a source read here (a folder, a missing file: 0); a shapefile counts its .dbf."""
    path = config.path(name)
    if name == "built_up" or not path.is_file():  # the raster is read by screening, not here
        return 0
    size = path.stat().st_size
    dbf = path.with_suffix(".dbf")
    return size + (dbf.stat().st_size if path.suffix.lower() == ".shp" and dbf.is_file() else 0)


def _split_by_bytes(
    names: list[SourceName], sizes: Mapping[SourceName, int]
) -> tuple[list[SourceName], list[SourceName]]:
    """Two groups of about equal bytes (largest first, each to the lighter group; ties to the
    first), each in the order of ``names``."""
    load = [0, 0]
    side: dict[SourceName, int] = {}
    for n in sorted(names, key=lambda k: -sizes[k]):
        side[n] = 0 if load[0] <= load[1] else 1
        load[side[n]] += sizes[n]
    return [n for n in names if side[n] == 0], [n for n in names if side[n] == 1]


def _read_sources(config: ProjectConfig, *, collect: bool) -> list[tuple[SourceName, _SourceRead]]:
    """Every source of ``config`` read, in the config's order.

    From :data:`PARALLEL_READ_BYTES` of input files on a machine with two or more cores, the
    sources are split into two groups of about equal bytes and one group is read in a forked
    process (:func:`ruian_land.core.start_forked`) while this one reads the other; the frames,
    ledger rows and warnings are the same as when read one after the other.
    """
    names = list(config.sources)
    sizes = {n: _source_bytes(config, n) for n in names}
    if cores() < 2 or sum(sizes.values()) < PARALLEL_READ_BYTES:
        return _read_group(config, names, collect)
    mine, theirs = _split_by_bytes(names, sizes)
    wait = start_forked(lambda: _read_group(config, theirs, True))
    done = dict(_read_group(config, mine, True))
    done.update(wait())
    out: list[tuple[SourceName, _SourceRead]] = []
    for n in names:
        out.append((n, done[n]))
        if isinstance(done[n].value, InputError) and not collect:
            break
    return out


def load_inputs(config: ProjectConfig | str | Path, *, problems: list[InputError] | None = None) -> Inputs:
    """Read every source of a project, map columns and parse types.

    Parameters
    ----------
    config : ProjectConfig, str or Path
        The project (a YAML path is read with :func:`ruian_land.config.load_config`) (``sources`` with path/encoding/crs/sheet/layer/coords per source,
        ``columns`` with extra aliases per kind, ``data_year``). ``coords: gcj02|bd09`` on a
        layer or ``points`` source converts its lon/lat from AMap/DataV (GCJ-02) or Baidu
        (BD-09) coordinates first (:mod:`ruian_land.core.coords`).
    problems : list, optional
        Collect mode (``ruian-land check``): each source's :class:`InputError` is appended here and
        the other sources are still read; the failed sources are absent from the result.

    Returns
    -------
    Inputs
        Frames as read (parcels and layers in EPSG:4549), with canonical names, parsed
        types, ``source_row``; plus the rows dropped while reading and unreadable cells.

    Raises
    ------
    InputError
        Missing file (naming the config key to fix), unreadable file, no CRS, undecidable
        encoding, a required source (parcels, registry, tax) with no data rows, or a required
        column missing (from :func:`ruian_land.core.columns.map_columns`, listing the closest
        headers; for a workbook also the sheet read, the workbook's sheets and those holding
        the expected headers, with ``sheet: <name>`` as the fix).
    """
    if isinstance(config, (str, Path)):
        config = load_config(config)
    elif not isinstance(config, ProjectConfig):
        raise InputError(
            f"load_inputs needs a ProjectConfig or the path of a project YAML, got {type(config).__name__}",
            fix="pass load_config('project.yaml') or the path itself",
        )
    frames: dict[str, Any] = {}
    other: dict[str, pd.DataFrame] = {}
    dropped: list[dict[str, Any]] = []
    issues: list[dict[str, Any]] = []
    rows_in: dict[str, int] = {}
    meta: dict[str, dict[str, Any]] = {}
    for name, read in _read_sources(config, collect=problems is not None):
        for w in read.warnings:  # as the source's reader gave them, in the config's order
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        if isinstance(read.value, InputError):
            if problems is None:
                raise read.value
            problems.append(read.value)
            continue
        if read.other:
            other[name] = read.value
        else:
            frames[name] = read.value
        if read.rows_in is not None:
            rows_in[name] = read.rows_in
        dropped += read.dropped
        issues += read.issues
        if read.meta is not None:
            meta[name] = read.meta
    if problems:  # collect mode: the failed required sources are empty, so the report can be built
        for name in ("parcels", "registry", "tax"):
            if name not in frames:
                frames[name] = gpd.GeoDataFrame() if name == "parcels" else pd.DataFrame()
    unknown = [k for k in config.columns if k not in SCHEMAS]
    if unknown:
        warnings.warn(
            f"column aliases given for unknown kinds {unknown}; known: {sorted(SCHEMAS)}",
            InputWarning,
            stacklevel=2,
        )
    return Inputs(
        **frames,
        other=other,
        dropped=pd.DataFrame(dropped, columns=ISSUE_COLUMNS),
        issues=pd.DataFrame(issues, columns=ISSUE_COLUMNS),
        rows_in=rows_in,
        meta=meta,
        data_year=config.data_year,
    )
