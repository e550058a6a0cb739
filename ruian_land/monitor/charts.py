"""The bulletin's figures: progress over periods, the score by town, the map of what changed.

Drawn with matplotlib (Agg) inside the report's :func:`ruian_land.report.cjk_rc` and inlined as
base64 PNG by :func:`ruian_land.report.figure_img`, like the leadership report's figures.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ruian_land.monitor.base import TARGETS
from ruian_land.monitor.changes import CHANGE_KINDS
from ruian_land.report import cjk_rc, figure_img

__all__ = ["change_map", "progress_chart", "town_chart"]

_DPI = 150


def _figure(w: float, h: float) -> tuple[Figure, Axes]:
    fig = Figure(figsize=(w, h), dpi=_DPI)
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot(1, 1, 1)


def progress_chart(targets: pd.DataFrame) -> str:
    """Each target's achieved share of the plan target by period, with the time schedule dashed.

    Parameters
    ----------
    targets : DataFrame
        :func:`~ruian_land.monitor.progress.target_table`.

    Returns
    -------
    str
        An ``<img>`` element (base64 PNG).
    """
    with cjk_rc():
        fig, ax = _figure(5.2, 2.8)
        periods = list(dict.fromkeys(targets["period"]))
        x = np.arange(len(periods))
        for key, (name, _unit, _m) in TARGETS.items():
            t = targets[targets["target_key"] == key].set_index("period").reindex(periods)
            ax.plot(x, 100 * t["plan_share"].fillna(0.0), marker="o", label=name)
        first = targets.drop_duplicates("period").set_index("period").reindex(periods)
        ax.plot(x, 100 * first["elapsed"], "k--", label="时间进度")
        ax.set_xticks(x, periods)
        ax.set_ylabel("占方案目标 (%)")
        ax.legend(fontsize=6, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=3, frameon=False)
        ax.set_title("各期目标完成进度")
        return figure_img(fig, alt="各期目标完成进度折线图", cls="chart")


def town_chart(towns: pd.DataFrame) -> str:
    """The latest 赛马 score by town (flagged towns red, the previous score as a tick).

    Parameters
    ----------
    towns : DataFrame
        :func:`~ruian_land.monitor.ranking.rank_units` of the towns (ranked first).

    Returns
    -------
    str
        An ``<img>`` element (base64 PNG).
    """
    with cjk_rc():
        t = towns[towns["score"].notna()].iloc[::-1]
        fig, ax = _figure(5.2, max(1.6, 0.22 * len(t) + 0.8))
        y = np.arange(len(t))
        colours = np.where(t["summoned"], "#b71c1c", "#5b8def")
        ax.barh(y, 100 * t["score"], color=colours)
        ax.plot(100 * t["previous_score"], y, "k|", markersize=8, label="上期得分")
        ax.set_yticks(y, [str(n) for n in t.index])
        ax.set_xlabel("赛马得分 (%)")
        ax.legend(fontsize=6, loc="upper center", bbox_to_anchor=(0.5, -0.2), frameon=False)
        ax.set_title("各镇街赛马得分(红色: 建议通报约谈)")
        return figure_img(fig, alt="各镇街赛马得分条形图", cls="chart")


def change_map(changes: pd.DataFrame, towns: gpd.GeoDataFrame | None) -> str:
    """Parcels changed since the previous period over the town areas (EPSG:4549, metres).

    Returns
    -------
    str
        An ``<img>`` element, or a note when nothing changed or there is no geometry.
    """
    if not isinstance(changes, gpd.GeoDataFrame) or changes.empty or changes.geometry.isna().all():
        return '<p class="note">与上期相比没有宗地变化(或无图形数据)。</p>'
    with cjk_rc():
        fig, ax = _figure(6.5, 4.2)
        if towns is not None and len(towns):
            towns.to_crs(changes.crs).boundary.plot(ax=ax, color="#999", linewidth=0.4)
        handles = []
        for kind, (label, colour) in CHANGE_KINDS.items():
            part = changes[changes["change"] == kind]
            if len(part):
                # parcels are small at county scale: draw each as its outline and a point
                part.plot(ax=ax, color=colour, edgecolor=colour, linewidth=0.8)
                part.representative_point().plot(ax=ax, color=colour, markersize=3)
                handles.append(Patch(color=colour, label=f"{label} ({len(part)})"))
        ax.set_aspect("equal")
        ax.set_axis_off()
        ax.legend(handles=handles, fontsize=6, loc="lower left", frameon=False)
        ax.set_title("本期变化图(与上期相比)")
        return figure_img(fig, alt="与上期相比发生变化的宗地分布图", cls="map")
