"""Sections of the leadership report about places: 后进镇街与园区 and 小微企业园候选地块.

The town and park tables come from the 整治清单 summaries (``rectification_summary["town"]`` /
``["park"]``), put against each area's industrial land (parcels) and, for towns, the 亩均税收 of its
rated firms. The site maps are static matplotlib figures in EPSG:4549 metres.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import pandas as pd

from ruian_land.evaluation import CLASSES
from ruian_land.report.figures import overview_figure, site_map
from ruian_land.report.format import MISSING, Cell, esc, format_number, table_html, to_float
from ruian_land.report.sections import section
from ruian_land.screening import OUTSIDE_PARKS

__all__ = ["laggard_table", "laggards_section", "sites_section", "top_sites"]

_LAGGARD_COLUMNS: tuple[tuple[str, str], ...] = (
    ("rank", "序号"),
    ("name", "名称"),
    ("land_mu", "宗地面积（亩）"),
    ("low_efficiency_area_mu", "低效用地（亩）"),
    ("low_share", "低效用地占比"),
    ("idle_area_mu", "闲置土地（亩）"),
    ("firms_listed", "列入整治清单企业（家）"),
    ("two_high_firms", "两高企业（家）"),
)


def _town_tax_per_mu(firms: pd.DataFrame) -> pd.Series:
    """亩均税收 (万元/亩) of the rated (A–D) firms with land, per town."""
    need = {"town", "tax_wan", "land_area_mu", "eval_class"}
    if not need <= set(firms.columns):
        return pd.Series(dtype=float)
    f = firms[firms["eval_class"].isin(CLASSES) & (pd.to_numeric(firms["land_area_mu"], errors="coerce") > 0)]
    g = f.groupby("town")[["tax_wan", "land_area_mu"]].sum(min_count=1)
    return g["tax_wan"] / g["land_area_mu"]


def laggard_table(
    frame: pd.DataFrame, by: str, parcels: pd.DataFrame, *, top: int = 5, exclude: tuple[str, ...] = ()
) -> pd.DataFrame:
    """The ``top`` areas with the highest share of low-efficiency land (then the most of it).

    Parameters
    ----------
    frame : DataFrame
        ``rectification_summary["town"]`` or ``["park"]`` (``low_efficiency_area_mu``, …).
    by : str
        Its area column, ``town`` or ``park_name``.
    parcels : DataFrame
        Parcels with ``by`` and ``area_mu`` (the area's industrial land).
    top : int
        Rows kept.
    exclude : tuple of str
        Names left out (for parks, 园区外).

    Returns
    -------
    DataFrame
        ``frame``'s rows with ``land_mu`` and ``low_share`` added, worst first.
    """
    f = frame[~frame[by].astype(str).isin(exclude)].copy()
    land = parcels.groupby(by)["area_mu"].sum() if by in parcels and "area_mu" in parcels else None
    f["land_mu"] = f[by].map(land) if land is not None else float("nan")
    low = pd.to_numeric(
        f.get("low_efficiency_area_mu", pd.Series(float("nan"), index=f.index)), errors="coerce"
    )
    f["low_share"] = low / pd.to_numeric(f["land_mu"], errors="coerce")
    f["_low"] = low
    f = f.sort_values(["low_share", "_low"], ascending=False, na_position="last", kind="stable")
    return f.drop(columns="_low").head(top)


def _laggard_html(table: pd.DataFrame, by: str, label: str, tax: pd.Series | None, table_id: str) -> str:
    columns = [(c, label if c == "name" else h) for c, h in _LAGGARD_COLUMNS]
    if tax is not None:
        columns.append(("tax_per_mu", "参评企业亩均税收（万元/亩）"))
    rows = []
    for i, r in enumerate(table.to_dict(orient="records"), start=1):
        row: list[Any] = [
            Cell.number(i, 0),
            r.get(by, MISSING),
            Cell.number(r.get("land_mu")),
            Cell.number(r.get("low_efficiency_area_mu")),
            Cell.share(r.get("low_share")),
            Cell.number(r.get("idle_area_mu")),
            Cell.number(r.get("firms_listed"), 0),
            Cell.number(r.get("two_high_firms"), 0),
        ]
        if tax is not None:
            row.append(Cell.number(tax.get(r.get(by)), 2))
        rows.append(row)
    return table_html(columns, rows, keys=list(table[by]), table_id=table_id)


def laggards_section(
    rectification_summary: Mapping[str, pd.DataFrame] | None,
    parcels: pd.DataFrame,
    firms: pd.DataFrame,
    *,
    top: int = 5,
) -> str:
    """后进镇街与园区: the ``top`` towns and parks with the highest share of low-efficiency land.

    Parameters
    ----------
    rectification_summary : mapping of DataFrame or None
        ``town`` and ``park`` summaries of the 整治清单.
    parcels : DataFrame
        Parcels (``town``, ``park_name``, ``area_mu``).
    firms : DataFrame
        Firms (``town``, ``tax_wan``, ``land_area_mu``, ``eval_class``) for each town's 亩均税收.
    top : int
        Towns and parks listed.

    Returns
    -------
    str
    """
    rs = rectification_summary or {}
    body = (
        '<p class="note">按低效用地面积占本区域宗地面积的比例从高到低排序，'
        "比例相同时按低效用地面积排序；数据取自整治清单的乡镇、园区汇总。</p>"
    )
    town, park = rs.get("town"), rs.get("park")
    if town is not None and "town" in town:
        t = laggard_table(town, "town", parcels, top=top)
        body += "<h3>镇街</h3>" + _laggard_html(t, "town", "镇街", _town_tax_per_mu(firms), "town-table")
    else:
        body += '<p class="note">未提供镇街汇总（整治清单乡镇汇总）。</p>'
    if park is not None and "park_name" in park:
        p = laggard_table(park, "park_name", parcels, top=top, exclude=(OUTSIDE_PARKS, "", "nan"))
        body += "<h3>园区</h3>" + _laggard_html(p, "park_name", "园区", None, "park-table")
    else:
        body += '<p class="note">未提供园区汇总（整治清单园区汇总）。</p>'
    return section("laggards", "三、后进镇街与园区", body)


def top_sites(sites: gpd.GeoDataFrame, n: int = 5) -> gpd.GeoDataFrame:
    """The ``n`` best-ranked candidate sites (by ``rank``, qualifying sites first when ranks tie).

    Parameters
    ----------
    sites : GeoDataFrame
        Candidate sites (``site_id``, ``rank``, ``qualifies``, geometry).
    n : int
        How many.

    Returns
    -------
    GeoDataFrame
    """
    s = sites.copy()
    keys, asc = [], []
    if "rank" in s:
        keys.append("rank")
        asc.append(True)
    if "qualifies" in s:
        s["_q"] = s["qualifies"].fillna(False).astype(bool)
        keys.insert(0, "_q")
        asc.insert(0, False)
    if keys:
        s = s.sort_values(keys, ascending=asc, kind="stable")
    return s.drop(columns=[c for c in ("_q",) if c in s]).head(n)


def _yes_no(value: Any) -> str:
    return MISSING if value is None or pd.isna(value) else ("是" if bool(value) else "否")


def sites_section(
    sites: gpd.GeoDataFrame,
    parcels: gpd.GeoDataFrame,
    *,
    towns: gpd.GeoDataFrame | None = None,
    control_lines: gpd.GeoDataFrame | None = None,
    n: int = 5,
    radius_m: float = 500.0,
) -> str:
    """小微企业园候选地块: the ``n`` best sites, a location overview and a map of each.

    Parameters
    ----------
    sites : GeoDataFrame
        Candidate sites, EPSG:4549 (``site_id``, ``rank``, ``area_mu``, ``qualifies`` …).
    parcels : GeoDataFrame
        Parcels, EPSG:4549 (drawn around each site).
    towns, control_lines : GeoDataFrame, optional
        Town areas (overview) and 工业用地控制线 (site maps), EPSG:4549.
    n : int
        Sites shown.
    radius_m : float
        Surroundings drawn around each site, metres.

    Returns
    -------
    str
    """
    chosen = top_sites(sites, n)
    title = "四、小微企业园候选地块"
    if chosen.empty:
        return section("sites", title, '<p class="note">没有候选地块。</p>')
    columns = [
        ("rank", "排名"),
        ("site_id", "编号"),
        ("town", "所在乡镇"),
        ("area_mu", "面积（亩）"),
        ("area_inside_mu", "控制线内面积（亩）"),
        ("parcel_count", "宗地数"),
        ("potential_stars", "可达星级"),
        ("score", "得分"),
        ("expected_tax_wan", "预期税收（万元）"),
        ("qualifies", "符合选址条件"),
    ]
    records = chosen.drop(columns="geometry").to_dict(orient="records")
    rows = [
        [
            Cell.number(r.get("rank"), 0),
            r.get("site_id", MISSING),
            r.get("town", MISSING),
            Cell.number(r.get("area_mu")),
            Cell.number(r.get("area_inside_mu")),
            Cell.number(r.get("parcel_count"), 0),
            Cell.number(r.get("potential_stars"), 0),
            Cell.number(r.get("score")),
            Cell.number(r.get("expected_tax_wan"), 0),
            _yes_no(r.get("qualifies")),
        ]
        for r in records
    ]
    body = (
        f'<p class="note">共有候选地块 {format_number(len(sites), 0)} 处，按排名列出前 {len(chosen)} 处。'
        "地图为 CGCS2000 3度带（EPSG:4549）平面坐标，单位为米；红色为候选地块，灰色为周边宗地，"
        "绿色虚线为工业用地控制线。</p>"
    )
    body += table_html(columns, rows, keys=[r.get("site_id") for r in records], table_id="sites-table")
    labels = [format_number(r.get("rank"), 0) if to_float(r.get("rank")) is not None else "" for r in records]
    overview = overview_figure(chosen, labels, parcels=parcels, towns=towns)
    body += f'<figure class="overview">{overview}</figure>'
    maps = []
    for r, geom in zip(records, chosen.geometry, strict=True):
        name = f"第{format_number(r.get('rank'), 0)}名 {r.get('site_id', '')}"
        caption = f"{name}：{format_number(r.get('area_mu'))} 亩，{r.get('town', MISSING)}"
        img = site_map(geom, parcels, title=name, control_lines=control_lines, radius_m=radius_m)
        maps.append(
            f'<figure class="site" data-site="{esc(r.get("site_id", ""))}">{img}'
            f"<figcaption>{esc(caption)}</figcaption></figure>"
        )
    body += f'<div class="site-maps">{"".join(maps)}</div>'
    return section("sites", title, body)
