"""Shared types of the monitoring stage: one snapshot of the county, the targets it is measured on."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd

__all__ = ["TARGETS", "Snapshot"]

#: The plan §二 targets followed between analyses: rule key → (Chinese name, unit, what counts).
TARGETS: dict[str, tuple[str, str, str]] = {
    "freed_area_mu": (
        "腾出低效工业用地",
        "亩",
        "已销号企业腾出的用地: 方案选定面积, 退出类企业未选定时为其实际用地",
    ),
    "freed_energy_tce": (
        "腾出用能",
        "吨标准煤",
        "已销号企业节约的能耗: 方案测算值, 退出类企业未测算时为其全部用能(当量值)",
    ),
    "co2_reduction_t": ("减碳", "吨二氧化碳", "已销号企业的方案测算减碳量"),
    "firms_exited": ("淘汰落后产能企业", "家", "已销号且整治方式为退出类的企业"),
    "firms_upgraded": ("整治提升企业", "家", "已销号且整治方式为提升类的企业"),
}


@dataclass
class Snapshot:
    """The county at one period, as the stages of one run see it.

    Attributes
    ----------
    label : str
        Period label (``2022Q3``, ``2023-05``).
    date : datetime.date
        The day the snapshot describes; targets are pro-rated to it.
    firms : DataFrame
        The tracked 整治企业清单 (:func:`ruian_land.screening.firm_list` after
        :func:`ruian_land.screening.merge_status`): ``uscc``, ``name``, ``town``, ``park_name``,
        ``land_area_mu``, ``parcel_ids`` (``;``-joined), ``energy_tce_calorific`` (tce),
        ``suggested_remedy``, ``suggested_freed_area_mu`` (亩), ``suggested_energy_saved_tce``
        (tce), optional ``co2_reduction_t`` (t), ``status``, ``remedy_plan``,
        ``responsible_unit``, ``deadline``. One row per firm.
    parcels : DataFrame or GeoDataFrame
        Every parcel of the screening stage: ``parcel_id``, ``town``, ``park_name``,
        ``area_mu``, ``is_industrial``, ``is_low_efficiency``, ``is_idle``; ``geometry`` in
        EPSG:4549 when it is a GeoDataFrame (drawn on the change map).
    towns : GeoDataFrame, optional
        Town areas, EPSG:4549 (the map's background).
    seconds, usage : dict
        The period's stage seconds and each stage's peak memory (``peak_rss_mb``,
        ``peak_rss_increase_mb``, ``seconds``), as the stages of ``ruian-land run`` record them
        (empty for a snapshot built by hand).
    """

    label: str
    date: dt.date
    firms: pd.DataFrame
    parcels: pd.DataFrame
    towns: gpd.GeoDataFrame | None = None
    seconds: dict[str, float] = field(default_factory=dict)
    usage: dict[str, Any] = field(default_factory=dict)
