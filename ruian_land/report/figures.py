"""Static figures of the leadership report, drawn with matplotlib (Agg) and inlined as base64 PNG.

No pyplot state is touched: each figure is a :class:`matplotlib.figure.Figure` rendered by the Agg
canvas inside :func:`cjk_rc`, which sets a CJK font fallback list for the duration only and silences
missing-glyph and missing-font warnings (Chinese renders when ``fonts-noto-cjk`` is installed; boxes
otherwise, never an error). Maps are in EPSG:4549 metres with a scale bar and no basemap tiles.
"""

from __future__ import annotations

import base64
import io
import logging
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import geopandas as gpd
import matplotlib
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from ruian_land.maps import CLASS_STYLE
from ruian_land.report.format import esc

__all__ = [
    "CJK_FONTS",
    "SITE_COLOUR",
    "cjk_rc",
    "class_chart",
    "figure_img",
    "overview_figure",
    "site_map",
]

#: Font families tried in turn for every glyph (the first installed one with the glyph wins).
CJK_FONTS: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "SimHei",
    "Microsoft YaHei",
    "DejaVu Sans",
)
#: Fill and outline of a candidate site on the maps.
SITE_COLOUR = ("#e31a1c", "#fb9a99")
_SCALE_STEPS_M = (20, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000, 20000)
_DPI = 150


class _QuietFonts(logging.Filter):
    """Drop matplotlib's "findfont: Font family … not found" messages."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "findfont" not in record.getMessage()


@contextmanager
def cjk_rc() -> Iterator[None]:
    """matplotlib settings for the report's figures, restored on exit.

    Sets the CJK font fallback list (:data:`CJK_FONTS`), an ASCII minus sign (CJK fonts often lack
    U+2212) and small print sizes, and silences missing-glyph warnings and missing-font log lines.

    Yields
    ------
    None
    """
    rc: dict[Any, Any] = {
        "font.family": list(CJK_FONTS),
        "axes.unicode_minus": False,
        "font.size": 8,
        "axes.titlesize": 9,
        "svg.fonttype": "path",
    }
    log = logging.getLogger("matplotlib.font_manager")
    quiet = _QuietFonts()
    log.addFilter(quiet)
    try:
        with warnings.catch_warnings(), matplotlib.rc_context(rc):
            warnings.filterwarnings("ignore", message=r".*[Gg]lyph .* missing from.*")
            warnings.filterwarnings("ignore", message=r".*findfont.*")
            yield
    finally:
        log.removeFilter(quiet)


def _new_figure(width_in: float, height_in: float) -> tuple[Figure, Axes]:
    fig = Figure(figsize=(width_in, height_in), dpi=_DPI)
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot(1, 1, 1)


def figure_img(fig: Figure, *, alt: str, cls: str) -> str:
    """``fig`` as an ``<img>`` element holding a base64 PNG (no file, no network).

    Parameters
    ----------
    fig : Figure
        A finished figure (rendered here, inside :func:`cjk_rc` by the callers).
    alt : str
        Alternative text (plain text; escaped here).
    cls : str
        CSS class of the image.

    Returns
    -------
    str
        ``<img class=… alt=… src="data:image/png;base64,…">``.
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=_DPI, bbox_inches="tight", metadata={"Software": None})
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<img class="{esc(cls)}" alt="{esc(alt)}" src="data:image/png;base64,{data}">'


def _mpl_text(text: str) -> str:
    """Text for matplotlib without mathtext (a ``$`` in a name would start a formula)."""
    return text.replace("$", r"\$")


def class_chart(counts: Mapping[str, int], labels: Mapping[str, str]) -> str:
    """A horizontal bar chart of firms per 亩均效益评价 class.

    Parameters
    ----------
    counts : mapping
        Class key (``A`` … ``D``, ``exempt``, ``unrated``) → number of firms, in display order.
    labels : mapping
        Class key → Chinese label.

    Returns
    -------
    str
        An ``<img class="chart">`` element.
    """
    keys = list(counts)
    with cjk_rc():
        fig, ax = _new_figure(4.6, 0.28 * len(keys) + 0.7)
        values = [int(counts[k]) for k in keys]
        colours = [CLASS_STYLE.get(k, ("#999999", ""))[0] for k in keys]
        ypos = list(range(len(keys)))[::-1]
        ax.barh(ypos, values, color=colours, edgecolor="#555555", linewidth=0.5)
        ax.set_yticks(ypos, [_mpl_text(labels.get(k, k)) for k in keys])
        top = max(values, default=0) or 1
        for y, v in zip(ypos, values, strict=True):
            ax.text(v + top * 0.01, y, f"{v:,}", va="center", fontsize=7)
        ax.set_xlim(0, top * 1.15)
        ax.set_xlabel("企业数（家）")
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        return figure_img(fig, alt="亩均效益评价分类企业数柱状图", cls="chart")


def _scale_bar(ax: Axes, xmin: float, xmax: float, ymin: float, ymax: float) -> None:
    width = xmax - xmin
    length = max((s for s in _SCALE_STEPS_M if s <= width / 4), default=_SCALE_STEPS_M[0])
    x0, y0 = xmin + 0.05 * width, ymin + 0.06 * (ymax - ymin)
    ax.plot([x0, x0 + length], [y0, y0], color="black", linewidth=2.5, solid_capstyle="butt")
    for x in (x0, x0 + length):
        ax.plot([x, x], [y0 - 0.01 * width, y0 + 0.01 * width], color="black", linewidth=1)
    label = f"{length / 1000:g} 千米" if length >= 1000 else f"{length:g} 米"
    ax.text(x0 + length / 2, y0 + 0.02 * width, label, ha="center", va="bottom", fontsize=7)


def _metre_axes(ax: Axes, xmin: float, xmax: float, ymin: float, ymax: float) -> None:
    ax.set_xlim(xmin, xmax)
    ax.set_ylim(ymin, ymax)
    ax.set_aspect("equal")
    ax.ticklabel_format(useOffset=False, style="plain")
    ax.xaxis.set_major_locator(MaxNLocator(3))
    ax.yaxis.set_major_locator(MaxNLocator(3))
    ax.tick_params(labelsize=6)
    ax.set_xlabel("X（米，EPSG:4549）", fontsize=6)
    ax.set_ylabel("Y（米，EPSG:4549）", fontsize=6)
    _scale_bar(ax, xmin, xmax, ymin, ymax)


def site_map(
    geometry: BaseGeometry,
    parcels: gpd.GeoDataFrame,
    *,
    title: str,
    control_lines: gpd.GeoDataFrame | None = None,
    radius_m: float = 500.0,
) -> str:
    """A small static map of one candidate site over the parcels within ``radius_m``.

    Parameters
    ----------
    geometry : shapely geometry
        The site polygon, EPSG:4549.
    parcels : GeoDataFrame
        Parcels, EPSG:4549 (those intersecting the window are drawn in grey).
    title : str
        Plain-text title.
    control_lines : GeoDataFrame, optional
        工业用地控制线, EPSG:4549 (dashed green outline).
    radius_m : float
        Margin around the site, metres.

    Returns
    -------
    str
        An ``<img class="site-map">`` element.
    """
    xmin, ymin, xmax, ymax = geometry.bounds
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    half = max(xmax - xmin, ymax - ymin) / 2 + radius_m
    window = box(cx - half, cy - half, cx + half, cy + half)
    with cjk_rc():
        fig, ax = _new_figure(3.3, 3.3)
        near = parcels.iloc[parcels.sindex.query(window, predicate="intersects")]
        if len(near):
            near.plot(ax=ax, facecolor="#eeeeee", edgecolor="#8c8c8c", linewidth=0.3)
        if control_lines is not None and len(control_lines):
            lines = control_lines.iloc[control_lines.sindex.query(window, predicate="intersects")]
            if len(lines):
                lines.boundary.plot(ax=ax, color="#238b45", linewidth=0.8, linestyle="--")
        gpd.GeoSeries([geometry], crs=parcels.crs).plot(
            ax=ax, facecolor=SITE_COLOUR[1], edgecolor=SITE_COLOUR[0], linewidth=1.2, alpha=0.9
        )
        ax.set_title(_mpl_text(title))
        _metre_axes(ax, cx - half, cx + half, cy - half, cy + half)
        return figure_img(fig, alt=title, cls="site-map")


def overview_figure(
    sites: gpd.GeoDataFrame,
    labels: Sequence[str],
    *,
    parcels: gpd.GeoDataFrame,
    towns: gpd.GeoDataFrame | None = None,
) -> str:
    """Where the shortlisted sites lie in the county: town areas (or parcels) and numbered sites.

    Parameters
    ----------
    sites : GeoDataFrame
        The sites to mark, EPSG:4549.
    labels : sequence of str
        One label per site (its rank).
    parcels : GeoDataFrame
        Parcels, drawn when ``towns`` is not given.
    towns : GeoDataFrame, optional
        Town areas with a ``town`` column, EPSG:4549.

    Returns
    -------
    str
        An ``<img class="overview-map">`` element.
    """
    with cjk_rc():
        fig, ax = _new_figure(6.0, 4.6)
        if towns is not None and len(towns):
            towns.plot(ax=ax, facecolor="#f7f7f7", edgecolor="#969696", linewidth=0.6)
            if "town" in towns:
                for name, pt in zip(towns["town"], towns.geometry.representative_point(), strict=True):
                    ax.text(
                        pt.x,
                        pt.y,
                        _mpl_text(str(name)),
                        fontsize=6,
                        color="#525252",
                        ha="center",
                        clip_on=True,
                    )
        parcels.plot(ax=ax, facecolor="#d9d9d9", edgecolor="none")
        sites.plot(ax=ax, facecolor=SITE_COLOUR[0], edgecolor=SITE_COLOUR[0], linewidth=2)
        for label, pt in zip(labels, sites.geometry.representative_point(), strict=True):
            ax.annotate(
                _mpl_text(label),
                (pt.x, pt.y),
                xytext=(4, 4),
                textcoords="offset points",
                fontsize=8,
                fontweight="bold",
                color=SITE_COLOUR[0],
            )
        # the extent of the industrial land (outlying islands of the town areas left out)
        xmin, ymin, xmax, ymax = parcels.total_bounds if len(parcels) else sites.total_bounds
        pad = 0.06 * max(xmax - xmin, ymax - ymin)
        _metre_axes(ax, xmin - pad, xmax + pad, ymin - pad, ymax + pad)
        ax.set_title("候选地块位置总览")
        return figure_img(fig, alt="小微企业园候选地块位置总览图", cls="overview-map")
