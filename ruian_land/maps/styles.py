"""Names, colours, class breaks and legend snippets of the overview map's layers."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ruian_land.core import REMEDIES
from ruian_land.scenario import REMEDY_TEXT

__all__ = [
    "CLASS_STYLE",
    "LAYER_CLASS",
    "LAYER_LINES",
    "LAYER_SCREEN",
    "LAYER_SITES",
    "LAYER_TAX",
    "LAYER_TOWNS",
    "LAYER_TWO_HIGH",
    "NO_DATA",
    "REMEDY_STYLE",
    "REUSE_STYLE",
    "SCREEN_STYLE",
    "TWO_HIGH_STYLE",
    "scenario_layer_name",
    "tax_classes",
]

LAYER_CLASS = "宗地: 亩均效益评价等级"
LAYER_TAX = "亩均税收 (万元/亩)"
LAYER_SCREEN = "低效用地与闲置土地"
LAYER_TWO_HIGH = "两高企业"
LAYER_LINES = "工业用地控制线"
LAYER_SITES = "小微企业园候选地块"
LAYER_TOWNS = "乡镇街道"

CLASS_STYLE: dict[str, tuple[str, str]] = {
    "A": ("#1a9850", "A类（优先支持）"),
    "B": ("#91cf60", "B类（鼓励提升）"),
    "C": ("#fdae61", "C类（整治提升）"),
    "D": ("#d73027", "D类（倒逼淘汰）"),
    "exempt": ("#8073ac", "不参评（豁免）"),
    "unrated": ("#d9d9d9", "未评价"),
    "vacant": ("#ffffff", "空置（无使用企业）"),
}
_TAX_COLOURS = ("#a50026", "#f46d43", "#fee08b", "#a6d96a", "#1a9850")
_TAX_BREAKS = (
    ("screening.tax_per_mu_floor", "低效用地认定线"),
    ("screening.park_clearance_tax_per_mu", "园区出清线"),
    ("standard_land.tax_per_mu", "标准地亩均税收"),
    ("targets.tax_per_mu", "2023年规上目标"),
)
NO_DATA = ("#bdbdbd", "无数据")
SCREEN_STYLE = {
    "low": ("#1f78b4", "低效用地"),  # blue: apart from C类 orange and D类 red on the class layer
    "idle": ("#6a3d9a", "闲置土地"),
    "both": ("#b15928", "低效且闲置"),
}
_REMEDY_COLOURS = {
    "exit": "#d73027",
    "vacate": "#8c510a",
    "relocate": "#fc8d59",
    "merge": "#1a9850",
    "upgrade": "#4575b4",
    "freed": "#7b3294",
}
REMEDY_STYLE = {
    **{k: (c, REMEDY_TEXT[k][0]) for k, c in _REMEDY_COLOURS.items() if k in REMEDY_TEXT},
    "freed": (_REMEDY_COLOURS["freed"], "腾出宗地"),
}
_REMEDY_ORDER = ("exit", "vacate", "relocate", "merge", "upgrade", "freed")
#: Parcels re-let in a year (freed ``trajectory.reuse_lag_years`` earlier): colour and legend text.
REUSE_STYLE = ("#01665e", "再利用（标准地 / 小微园）")
#: Plan text of freed parcels without a selected firm, by ``freed_parcels.source``.
_FREED_TEXT = {"idle_vacant": REMEDIES["recover"][0], "partial": "分割退地"}
TWO_HIGH_STYLE = {"new": "#67000d", "old": "#a50f15", "other": "#cb181d"}
#: Property keys holding long texts (reasons, explanations): stored as skeletons + numbers.
_TEXT_KEYS = ("r", "ex")
_TWO_HIGH_CODES = ("TWO_HIGH_NEW", "TWO_HIGH_OLD", "TWO_HIGH_INDUSTRY", "ADMISSION_EXCEEDED")


def scenario_layer_name(year: int) -> str:
    """Layer name of the scenario selection of one year (``腾退方案 2021``)."""
    return f"腾退方案 {int(year)}"


def _style(fill: str, *, color: str = "#555555", weight: float = 0.6, opacity: float = 0.7) -> dict[str, Any]:
    return {"fillColor": fill, "color": color, "weight": weight, "fillOpacity": opacity, "opacity": 0.9}


def _swatch(colour: str, label: str, *, border: str = "#666", dashed: bool = False) -> str:
    dash = ";border-style:dashed" if dashed else ""
    return f'<div><i style="background:{colour};border-color:{border}{dash}"></i>{html.escape(label)}</div>'


def _legend(title: str, rows: Sequence[str], unit: str) -> str:
    head = f"<h4>{html.escape(title)}</h4>"
    return head + "".join(rows) + f'<div class="ruian-unit">{html.escape(unit)}</div>'


def tax_classes(rules: Any) -> tuple[list[float], list[tuple[str, str]]]:
    """Breaks (万元/亩, ascending) and ``(colour, label)`` of the 亩均税收 classes, from the rules
    ``screening.tax_per_mu_floor``, ``screening.park_clearance_tax_per_mu``,
    ``standard_land.tax_per_mu`` and ``targets.tax_per_mu``."""
    pairs = sorted((float(rules.value(k)), why) for k, why in _TAX_BREAKS)
    breaks = [b for b, _ in pairs]
    labels = [f"< {breaks[0]:g}（低于{pairs[0][1]}）"]
    for i in range(1, len(pairs)):
        labels.append(f"{breaks[i - 1]:g} – {breaks[i]:g}（低于{pairs[i][1]}）")
    labels.append(f"≥ {breaks[-1]:g}（达到{pairs[-1][1]}）")
    return breaks, list(zip(_TAX_COLOURS, labels, strict=True))


def _tax_keys(values: pd.Series, breaks: list[float]) -> list[str]:
    v = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    idx = np.searchsorted(np.asarray(breaks), v, side="right")
    return [f"t{i}" if np.isfinite(x) else "_" for i, x in zip(idx, v, strict=True)]
