"""Candidate lists for planners and GIS users: xlsx, csv, gpkg (and shp on request).

* ``candidates.csv`` — UTF-8 **with BOM** (``utf-8-sig``) so Excel opens Chinese correctly;
  Chinese headers from :data:`ruian_land.core.labels.LABELS_ZH` (a column without a label keeps
  its English name; two columns with the same label get ``label (column)``). Booleans as
  是/否, dates as ``YYYY-MM-DD``, missing values empty. ``sites.csv`` likewise when sites
  are given.
* ``candidates.xlsx`` (xlsxwriter) — sheets 候选清单, 候选园区 (when sites are given),
  园区宗地明细 (one row per site and parcel with its current firms, from :func:`site_sheet`,
  when given), 规则 (the rule set, when given) and 数据质量 (the ledger summary, when given); Chinese
  headers, frozen header row, auto-filter, column widths from the content.
* ``candidates.gpkg`` — layers ``candidates`` and ``sites``, **English** column names (the
  canonical names GIS users join on), EPSG:4549, native booleans and dates.
* ``candidates.shp`` (``formats`` containing ``'shp'``) — DBF field names are limited to
  10 bytes, so names are shortened uniquely; the mapping is written beside it
  (``candidates_fields.txt``: short name, column, Chinese label). Encoding UTF-8 with a
  ``.cpg``; text longer than 254 bytes is cut (DBF limit); dates as text.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from ruian_land.core import (
    WORKING_CRS,
    XLSX_OPTIONS,
    InputError,
    InputWarning,
    all_text,
    defuse_formulas,
    join_by_group,
    label_zh,
)
from ruian_land.export.highlight import Highlight, add_highlights
from ruian_land.export.sheet_cells import write_cells

__all__ = [
    "FORMATS",
    "chinese_headers",
    "shapefile_field_names",
    "site_sheet",
    "table_for_people",
    "write_exports",
    "write_table",
    "write_workbook",
]

#: Formats :func:`write_exports` knows.
FORMATS = ("xlsx", "csv", "gpkg", "shp")
_DBF_NAME_BYTES = 10
_DBF_TEXT_BYTES = 254
_SHP_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx")


def chinese_headers(columns: Iterable[str]) -> list[str]:
    """Chinese labels for ``columns`` (LABELS_ZH), unique: a repeated label gets ``label (column)``."""
    cols = list(columns)
    labels = [label_zh(c) for c in cols]
    counts = pd.Series(labels).value_counts()
    return [f"{lab} ({c})" if counts[lab] > 1 else lab for c, lab in zip(cols, labels, strict=True)]


def _cell(value: Any) -> Any:
    if isinstance(value, list | tuple | set | np.ndarray):
        return ";".join(str(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def _is_bool_col(s: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(s.dtype):
        return True
    if s.dtype == object:
        vals = s.dropna()
        return len(vals) > 0 and all(isinstance(v, bool | np.bool_) for v in vals)
    return False


def table_for_people(frame: pd.DataFrame, *, dates_as_text: bool = True) -> pd.DataFrame:
    """A plain table for csv/xlsx: geometry dropped, booleans 是/否, dates ``YYYY-MM-DD``,
    lists joined with ``;``, dicts as JSON, index reset; English column names kept.

    Parameters
    ----------
    frame : DataFrame or GeoDataFrame
        Any frame (not modified).
    dates_as_text : bool
        Dates as ``YYYY-MM-DD`` text (csv); False keeps timezone-naive datetimes (xlsx
        date cells).

    Returns
    -------
    DataFrame
        Same rows and order; missing values stay missing (written empty).
    """
    df = pd.DataFrame(frame).copy()
    geo = [c for c in df.columns if isinstance(df[c].dtype, gpd.array.GeometryDtype)]
    df = df.drop(columns=geo).reset_index(drop=True)
    for c in df.columns:
        s = df[c]
        if _is_bool_col(s):
            df[c] = _yes_no(s)
        elif pd.api.types.is_datetime64_any_dtype(s.dtype):
            if getattr(s.dt, "tz", None) is not None:
                s = s.dt.tz_localize(None)
            df[c] = s.dt.strftime("%Y-%m-%d").astype(object).where(s.notna(), None) if dates_as_text else s
        elif s.dtype == object and all_text(s):  # text as is, missing → None (no call per cell)
            df[c] = s.where(s.notna(), None)
        elif s.dtype == object:
            df[c] = s.map(
                lambda v: v.isoformat() if isinstance(v, dt.date) else _cell(v) if not _scalar_na(v) else None
            )
    return df


def _yes_no(s: pd.Series) -> pd.Series:
    """是 / 否 of a boolean column (object), None where missing."""
    missing = s.isna().to_numpy(dtype=bool)
    truth = s.where(~missing, False).astype(bool).to_numpy()
    text = np.where(truth, "是", "否").astype(object)
    text[missing] = None
    return pd.Series(text, index=s.index, dtype=object)


def _scalar_na(v: Any) -> bool:
    return pd.api.types.is_scalar(v) and bool(pd.isna(v))


def shapefile_field_names(columns: Iterable[str]) -> dict[str, str]:
    """Unique DBF field names (≤ 10 bytes, ASCII) for ``columns``: ``{column: short}``.

    Names are cut to 10 characters; clashes get a numeric suffix (``is_low_e_1``). Non-ASCII
    characters are replaced by ``_``.
    """
    out: dict[str, str] = {}
    used: set[str] = set()
    for col in columns:
        base = re.sub(r"[^A-Za-z0-9_]", "_", str(col)) or "field"
        name = base[:_DBF_NAME_BYTES]
        k = 1
        while name.lower() in used:
            suffix = f"_{k}"
            name = base[: _DBF_NAME_BYTES - len(suffix)] + suffix
            k += 1
        used.add(name.lower())
        out[str(col)] = name
    return out


def _for_gis(frame: pd.DataFrame) -> pd.DataFrame:
    """Copy with GIS-friendly columns: lists joined, dicts as JSON, object booleans as bool,
    nullable Int64 as float (NaN for missing), dates kept; English names kept."""
    out = frame.copy().reset_index(drop=True)
    for c in out.columns:
        s = out[c]
        if isinstance(s.dtype, gpd.array.GeometryDtype):
            continue
        if pd.api.types.is_bool_dtype(s.dtype) and str(s.dtype) != "boolean":
            continue
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            continue
        if str(s.dtype) in {"Int64", "Int32", "Int16", "Int8"}:
            out[c] = s.astype("float64")
        elif str(s.dtype) == "boolean" or (s.dtype == object and _is_bool_col(s)):
            out[c] = s.map(lambda v: None if _scalar_na(v) else bool(v)).astype(object)
        elif s.dtype == object and all_text(s):  # text as is, missing → None (no call per cell)
            out[c] = s.where(s.notna(), None)
        elif s.dtype == object:
            out[c] = s.map(
                lambda v: None if _scalar_na(v) else v.isoformat() if isinstance(v, dt.date) else _cell(v)
            )
    return out


def _geo(frame: pd.DataFrame, name: str) -> gpd.GeoDataFrame | None:
    if isinstance(frame, gpd.GeoDataFrame) and frame._geometry_column_name in frame.columns:
        gdf = frame
        if gdf.crs is None:
            raise InputError(
                f"the {name} frame has no CRS", fix="set EPSG:4549 (crs.WORKING_CRS) before exporting"
            )
        return gdf
    return None


#: Data rows an Excel sheet holds (1 048 576 rows, one for the header); xlsxwriter silently
#: drops cells beyond it, so longer tables continue on sheets ``名称(2)``, ``名称(3)`` ….
EXCEL_DATA_ROWS = 1_048_575


def _write_sheet(
    writer: pd.ExcelWriter,
    frame: pd.DataFrame,
    sheet: str,
    choices: Mapping[str, Sequence[str]] | None = None,
    highlight: Highlight | None = None,
) -> None:
    """One table on one sheet, or on as many as it needs beyond Excel's row limit (none lost)."""
    if len(frame) <= EXCEL_DATA_ROWS:
        _write_one_sheet(writer, frame, sheet[:31], choices, highlight)
        return
    for k, start in enumerate(range(0, len(frame), EXCEL_DATA_ROWS), start=1):
        suffix = "" if k == 1 else f"({k})"
        name = sheet[: 31 - len(suffix)] + suffix
        _write_one_sheet(writer, frame.iloc[start : start + EXCEL_DATA_ROWS], name, choices, highlight)


def _write_one_sheet(
    writer: pd.ExcelWriter,
    frame: pd.DataFrame,
    sheet: str,
    choices: Mapping[str, Sequence[str]] | None = None,
    highlight: Highlight | None = None,
) -> None:
    table = table_for_people(frame, dates_as_text=False)
    canonical = [str(c) for c in table.columns]
    headers = chinese_headers(table.columns)
    table.columns = headers
    ws = writer.book.add_worksheet(sheet)
    write_cells(writer.book, ws, table, writer.date_format, writer.datetime_format)
    ws.freeze_panes(1, 0)
    if len(table.columns):
        ws.autofilter(0, 0, max(len(table), 1), len(table.columns) - 1)
    for i, col in enumerate(table.columns):
        sample = [str(col), *(str(v) for v in table[col].head(200) if not _scalar_na(v))]
        width = max(_display_width(t) for t in sample)
        ws.set_column(i, i, min(max(width + 2, 8), 60))
    if highlight is not None:
        add_highlights(writer.book, ws, canonical, len(table), highlight)
    for col, allowed in (choices or {}).items():
        if col not in canonical:
            continue
        j = canonical.index(col)
        values = [str(v) for v in allowed]
        ws.data_validation(
            1,
            j,
            max(len(table), 1),
            j,
            {
                "validate": "list",
                "source": values,
                "error_title": headers[j],
                "error_message": "请选择: " + " / ".join(values),
            },
        )


def _display_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def _rules_frame(rules: Any) -> pd.DataFrame:
    rf = rules.to_frame().copy()
    rf["value"] = rf["value"].map(
        lambda v: json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else v
    )
    return rf.rename(columns={c: f"rule_{c}" for c in rf.columns})


def write_exports(
    candidates: pd.DataFrame,
    out_dir: str | Path,
    *,
    sites: pd.DataFrame | None = None,
    formats: Iterable[str] = ("xlsx", "csv", "gpkg"),
    rules: Any = None,
    ledger: Any = None,
    site_parcels: pd.DataFrame | None = None,
) -> dict[str, Path]:
    """Write the candidate list (and candidate park sites) for planners and GIS users.

    Parameters
    ----------
    candidates : GeoDataFrame or DataFrame
        One row per candidate (parcel or firm) with its reasons (e.g. ``parcel_id``,
        ``reasons_zh``, ``reason_codes``, ``is_low_efficiency``, …), EPSG:4549 when it has
        geometry. A plain DataFrame is written to gpkg/shp as an attribute table only.
    out_dir : str or Path
        Folder (created if needed), e.g. ``out/exports``.
    sites : GeoDataFrame, optional
        :func:`ruian_land.parks.candidate_sites` output (sheet 候选园区, gpkg layer
        ``sites``, ``sites.csv``).
    formats : iterable of str
        Any of ``xlsx``, ``csv``, ``gpkg``, ``shp``.
    rules : RuleSet, optional
        Listed in sheet 规则 (``rules.to_frame()``).
    ledger : Ledger, optional
        Its ``summary_frame()`` (or ``to_frame()``) is listed in sheet 数据质量.
    site_parcels : DataFrame, optional
        :func:`site_sheet` output, listed in sheet 园区宗地明细 (xlsx only).

    Returns
    -------
    dict
        ``{'csv': …/candidates.csv, 'sites_csv': …/sites.csv, 'xlsx': …/candidates.xlsx,
        'gpkg': …/candidates.gpkg, 'shp': …/candidates.shp, 'shp_fields':
        …/candidates_fields.txt}`` for the files written.

    Raises
    ------
    ValueError
        Unknown format.
    InputError
        A geometry frame without a CRS.
    """
    fmts = [f.lower() for f in formats]
    unknown = sorted(set(fmts) - set(FORMATS))
    if unknown:
        raise ValueError(f"unknown export formats {unknown}; use some of {FORMATS}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    if "csv" in fmts:
        paths["csv"] = _write_csv(candidates, out / "candidates.csv")
        if sites is not None:
            paths["sites_csv"] = _write_csv(sites, out / "sites.csv")
    if "xlsx" in fmts:
        p = out / "candidates.xlsx"
        with pd.ExcelWriter(
            p,
            engine="xlsxwriter",
            date_format="yyyy-mm-dd",
            datetime_format="yyyy-mm-dd",
            engine_kwargs={"options": XLSX_OPTIONS},  # a firm name "=HYPERLINK(…)" stays text
        ) as writer:
            # English reason texts go to a sheet of their own, so the list a planner reads is Chinese
            english = [c for c in candidates.columns if str(c).endswith("_en")]
            _write_sheet(writer, candidates.drop(columns=english), "候选清单")
            if english:
                key = [c for c in ("parcel_id", "uscc") if c in candidates.columns][:1]
                _write_sheet(writer, candidates[key + english], "英文说明")
            if sites is not None:
                _write_sheet(writer, sites, "候选园区")
            if site_parcels is not None:
                _write_sheet(writer, site_parcels, "园区宗地明细")
            if rules is not None:
                _write_sheet(writer, _rules_frame(rules), "规则")
            if ledger is not None:
                frame = ledger.summary_frame() if hasattr(ledger, "summary_frame") else ledger.to_frame()
                _write_sheet(writer, frame, "数据质量")
        paths["xlsx"] = p
    if "gpkg" in fmts:
        p = out / "candidates.gpkg"
        if p.exists():
            p.unlink()
        _write_gis(candidates, p, "candidates", driver="GPKG")
        if sites is not None:
            _write_gis(sites, p, "sites", driver="GPKG")
        paths["gpkg"] = p
    if "shp" in fmts:
        paths.update(_write_shp(candidates, out / "candidates.shp"))
    return paths


def _write_csv(frame: pd.DataFrame, path: Path) -> Path:
    return write_table(frame, path)


def write_table(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write one table as CSV for people: UTF-8 with BOM (Excel opens it right), Chinese headers
    from ``columns.LABELS_ZH``, 是/否, ``YYYY-MM-DD`` dates, geometry dropped; text that a
    spreadsheet would run as a formula gets a leading apostrophe (:func:`ruian_land.core.defuse_formulas`).

    Returns
    -------
    Path
        ``path``.
    """
    table = defuse_formulas(table_for_people(frame))  # text like "=HYPERLINK(…)" cannot run in Excel
    table.columns = chinese_headers(table.columns)
    out = Path(path)
    table.to_csv(out, index=False, encoding="utf-8-sig")
    return out


def write_workbook(
    path: str | Path,
    sheets: Mapping[str, pd.DataFrame | None],
    *,
    choices: Mapping[str, Mapping[str, Sequence[str]]] | None = None,
    highlight: Mapping[str, Highlight] | None = None,
) -> Path:
    """Write several tables to one xlsx (xlsxwriter), one sheet each, with Chinese headers, a
    frozen header row, filters and column widths (the same layout as ``candidates.xlsx``).

    Parameters
    ----------
    path : str or Path
        The ``.xlsx`` file (overwritten).
    sheets : dict
        Sheet name (≤ 31 characters) → frame, in order; ``None`` frames are skipped. A frame
        longer than Excel's 1 048 575 data rows continues on sheets ``name(2)``, ``name(3)`` …
    choices : dict, optional
        Sheet name → canonical column name → allowed values: the column's data cells (rows
        2..n+1, at least row 2) get an Excel drop-down list (data validation) of those values,
        e.g. ``{"整治企业清单": {"status": ["待整治", "整治中", "已销号"]}}``. Sheets or columns
        not written are skipped. Default: no validation.
    highlight : dict, optional
        Sheet name → :class:`ruian_land.export.highlight.Highlight`: data cells with those
        texts, or non-empty under those canonical columns, shown in red (Excel conditional
        formats), e.g. overdue 挂图作战 nodes. Default: none.

    Returns
    -------
    Path
        ``path``.
    """
    out = Path(path)
    with pd.ExcelWriter(
        out,
        engine="xlsxwriter",
        date_format="yyyy-mm-dd",
        datetime_format="yyyy-mm-dd",
        engine_kwargs={"options": XLSX_OPTIONS},  # a firm name "=HYPERLINK(…)" stays text
    ) as writer:
        for name, frame in sheets.items():
            if frame is not None:
                _write_sheet(writer, frame, name[:31], (choices or {}).get(name), (highlight or {}).get(name))
    return out


def _write_gis(frame: pd.DataFrame, path: Path, layer: str, *, driver: str) -> None:
    gdf = _geo(frame, layer)
    data = _for_gis(gdf if gdf is not None else frame)
    if gdf is None:
        pyogrio.write_dataframe(pd.DataFrame(data), path, layer=layer, driver=driver)
        return
    out = gpd.GeoDataFrame(data, geometry=gdf.geometry.name, crs=gdf.crs or WORKING_CRS)
    out.to_file(path, layer=layer, driver=driver)


def _write_shp(frame: pd.DataFrame, path: Path) -> dict[str, Path]:
    gdf = _geo(frame, "candidates")
    if gdf is None:
        warnings.warn("candidates have no geometry: shapefile not written", InputWarning, stacklevel=3)
        return {}
    data = gpd.GeoDataFrame(_for_gis(gdf), geometry=gdf.geometry.name, crs=gdf.crs)
    geom = data.geometry.name
    cols = [c for c in data.columns if c != geom]
    names = shapefile_field_names(cols)
    for c in cols:
        s = data[c]
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            data[c] = s.dt.strftime("%Y-%m-%d").astype(object).where(s.notna(), None)
        elif s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            data[c] = s.map(lambda v: _cut_bytes(v) if isinstance(v, str) else v).astype(object)
    data = data.rename(columns=names)
    for ext in _SHP_PARTS:
        path.with_suffix(ext).unlink(missing_ok=True)
    data.to_file(path, driver="ESRI Shapefile", encoding="UTF-8")
    fields = path.with_name(path.stem + "_fields.txt")
    lines = ["short\tcolumn\tlabel_zh", *(f"{short}\t{col}\t{label_zh(col)}" for col, short in names.items())]
    fields.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {"shp": path, "shp_fields": fields}


def _cut_bytes(text: str) -> str:
    raw = text.encode("utf-8")
    if len(raw) <= _DBF_TEXT_BYTES:
        return text
    return raw[:_DBF_TEXT_BYTES].decode("utf-8", errors="ignore")


#: Site columns repeated on every parcel row of :func:`site_sheet` (renamed where a parcel has its own).
_SITE_SHEET_SITE_COLS = {
    "site_id": "site_id",
    "rank": "rank",
    "shortlisted": "shortlisted",
    "potential_stars": "potential_stars",
    "score": "score",
    "area_mu": "site_area_mu",
    "area_inside_mu": "site_area_inside_mu",
    "capacity_floor_m2": "capacity_floor_m2",
    "capacity_firms": "capacity_firms",
    "expected_tax_wan": "expected_tax_wan",
    "jobs": "jobs",
    "rent_wan": "rent_wan",
}


def site_sheet(
    sites: pd.DataFrame,
    parcels: pd.DataFrame,
    links: pd.DataFrame | None = None,
    firms: pd.DataFrame | None = None,
    *,
    parcel_info: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per (site, parcel): the site's area, capacity and score beside each parcel and its firms.

    Parameters
    ----------
    sites : DataFrame
        :func:`ruian_land.parks.candidate_sites` output (``site_id``, ``parcel_ids`` ``;``-joined,
        ``rank``, ``score``, areas and capacity columns; missing ones are skipped).
    parcels : DataFrame
        Parcels with ``parcel_id`` and ``area_mu`` (亩); ``town`` and ``land_use`` are copied
        when present.
    links : DataFrame, optional
        Occupancy links (``uscc``, ``parcel_id``, ``land_area_mu``): the parcel's current firms.
    firms : DataFrame, optional
        Firms (``uscc``, ``name``, ``eval_class``) for the firms' names and classes.
    parcel_info : DataFrame, optional
        More parcel columns keyed by ``parcel_id`` (e.g. the candidate list: ``is_low_efficiency``,
        ``is_idle``, ``selected``, ``year``, ``reasons_zh``); columns already present, geometry and
        areas are not repeated.

    Returns
    -------
    DataFrame
        Rows in site order then ``parcel_id``; columns ``site_id``, ``rank``, ``shortlisted``,
        ``potential_stars``, ``score``, ``site_area_mu``, ``site_area_inside_mu``,
        ``capacity_floor_m2``, ``capacity_firms``, ``expected_tax_wan``, ``jobs``, ``rent_wan``
        (those present in ``sites``), then ``parcel_id``, ``parcel_area_mu``, ``town``, ``land_use``,
        ``occupant_names``, ``occupant_usccs`` (``;``-joined, largest land first),
        ``occupant_count``, ``main_class`` and the ``parcel_info`` columns. The parcel areas of a
        site add up to its ``site_area_mu``.

    Raises
    ------
    InputError
        ``sites`` lacks ``site_id``/``parcel_ids`` or ``parcels`` lacks ``parcel_id``/``area_mu``.
    """
    for frame, name, need in (
        (sites, "sites", ("site_id", "parcel_ids")),
        (parcels, "parcels", ("parcel_id", "area_mu")),
    ):
        missing = [c for c in need if c not in frame.columns]
        if missing:
            raise InputError(
                f"the {name} frame lacks {missing}", column=missing[0], fix=f"pass {name} with {list(need)}"
            )
    site_cols = [c for c in _SITE_SHEET_SITE_COLS if c in sites.columns]
    base = pd.DataFrame(sites[site_cols]).rename(columns=_SITE_SHEET_SITE_COLS).reset_index(drop=True)
    base["_order"] = np.arange(len(base))
    ids = pd.Series(sites["parcel_ids"].to_numpy(), index=base.index).map(
        lambda s: [] if _scalar_na(s) else [x for x in str(s).split(";") if x]
    )
    rows = base.loc[base.index.repeat(ids.map(len).to_numpy())].copy()
    rows["parcel_id"] = pd.Series([pid for lst in ids for pid in lst], dtype="str").to_numpy()  # str if none
    pcols = [c for c in ("parcel_id", "area_mu", "town", "land_use") if c in parcels.columns]
    pinfo = (
        pd.DataFrame(parcels[pcols])
        .drop_duplicates("parcel_id")
        .rename(columns={"area_mu": "parcel_area_mu"})
    )
    pinfo["parcel_id"] = pinfo["parcel_id"].astype(str)
    rows = rows.merge(pinfo, on="parcel_id", how="left")
    if links is not None and not links.empty:
        rows = rows.merge(_occupants(links, firms), on="parcel_id", how="left")
        rows["occupant_count"] = rows["occupant_count"].fillna(0).astype(int)
    if parcel_info is not None:
        skip = {*rows.columns, "geometry", "area_mu", "area_m2"}
        extra = [c for c in parcel_info.columns if c not in skip]
        info = pd.DataFrame(parcel_info[["parcel_id", *extra]]).drop_duplicates("parcel_id")
        info["parcel_id"] = info["parcel_id"].astype(str)
        rows = rows.merge(info, on="parcel_id", how="left")
    rows = rows.sort_values(["_order", "parcel_id"], kind="stable").drop(columns="_order")
    return rows.reset_index(drop=True)


def _occupants(links: pd.DataFrame, firms: pd.DataFrame | None) -> pd.DataFrame:
    occ = pd.DataFrame(links[[c for c in ("uscc", "parcel_id", "land_area_mu") if c in links.columns]]).copy()
    occ["parcel_id"] = occ["parcel_id"].astype(str)
    if "land_area_mu" not in occ.columns:
        occ["land_area_mu"] = np.nan
    if firms is not None and "uscc" in firms.columns:
        fcols = [c for c in ("uscc", "name", "eval_class") if c in firms.columns]
        occ = occ.merge(pd.DataFrame(firms[fcols]).drop_duplicates("uscc"), on="uscc", how="left")
    for c in ("name", "eval_class"):
        if c not in occ.columns:
            occ[c] = None
    occ["name"] = occ["name"].where(occ["name"].notna(), occ["uscc"])
    occ = occ.sort_values(["parcel_id", "land_area_mu", "uscc"], ascending=[True, False, True])
    g = occ.groupby("parcel_id", sort=False)
    return pd.DataFrame(
        {
            "occupant_names": join_by_group(occ["parcel_id"], occ["name"]),
            "occupant_usccs": join_by_group(occ["parcel_id"], occ["uscc"]),
            "occupant_count": g["uscc"].size(),
            "main_class": g["eval_class"].first(),
        }
    ).reset_index()
