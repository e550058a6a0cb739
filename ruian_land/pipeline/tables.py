"""The tables a run hands out, built from the stage results: the candidate list for land
reallocation, the firm-level evaluation list and scenario plan, and the 整治清单 summaries.

These are results, not files: :func:`ruian_land.pipeline.run_stages` builds them and keeps them on
the :class:`~ruian_land.pipeline.RunResult`; the write step only writes them.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from ruian_land.core import is_in, join_by_group
from ruian_land.rules import RuleSet
from ruian_land.scenario import ScenarioResult
from ruian_land.screening import Screening, field_checks, list_summary, progress

__all__ = [
    "EVALUATION_COLUMNS",
    "SELECTION_COLUMNS",
    "build_candidates",
    "evaluation_list",
    "rectification_summary",
    "scenario_firms",
]


def build_candidates(
    parcels: gpd.GeoDataFrame,
    scr: Screening,
    sc: ScenarioResult,
    links: pd.DataFrame,
    firms: pd.DataFrame,
) -> gpd.GeoDataFrame:
    """The candidate list for land reallocation: one row per candidate parcel.

    A candidate is a parcel flagged as low-efficiency or idle by screening, or freed by the
    scenario. Each row carries its reasons, its occupants (names and codes joined by ``;``),
    the main occupant's class, and whether and when the scenario frees it.

    Parameters
    ----------
    parcels : GeoDataFrame
        Clean parcels, EPSG:4549, unique ``parcel_id``.
    scr, sc : Screening, ScenarioResult
        Screening and scenario results of the same run.
    links : DataFrame
        Occupancy links (one row per firm per parcel).
    firms : DataFrame
        Evaluated firms (``uscc``, ``name``, ``eval_class``).

    Returns
    -------
    GeoDataFrame
        EPSG:4549, one row per candidate parcel, sorted by ``parcel_id``.
    """
    p = scr.parcels
    flagged = p["is_low_efficiency"].astype(bool) | p["is_idle"].astype(bool)
    freed = sc.freed_parcels.set_index("parcel_id")
    ids = sorted(set(p.loc[flagged, "parcel_id"]) | set(freed.index))
    cols = ["parcel_id", "town", "park_name", "area_mu", "geometry"]  # town, park_name are optional
    base = parcels.loc[is_in(parcels["parcel_id"], ids)].reindex(columns=cols)
    keep = [
        c
        for c in (
            "tax_per_mu",
            "far",
            "building_coverage",
            "built_up_fraction",
            "is_low_efficiency",
            "is_idle",
            "idle_months",
            "idle_fee_wan",
            "reason_codes",
            "reasons_zh",
            "reasons_en",
        )
        if c in p.columns
    ]
    out = base.merge(p[["parcel_id", *keep]], on="parcel_id", how="left")
    occ = links.merge(firms[["uscc", "name", "eval_class"]], on="uscc", how="left")
    occ = occ.sort_values(["parcel_id", "land_area_mu", "uscc"], ascending=[True, False, True])
    grouped = occ.groupby("parcel_id", sort=False)
    occupants = pd.DataFrame(
        {
            "occupant_names": join_by_group(occ["parcel_id"], occ["name"]),
            "occupant_usccs": join_by_group(occ["parcel_id"], occ["uscc"]),
            "occupant_count": grouped["uscc"].size(),
            "main_class": grouped["eval_class"].first(),
        }
    )
    out = out.merge(occupants, left_on="parcel_id", right_index=True, how="left")
    out["occupant_count"] = out["occupant_count"].fillna(0).astype(int)
    out["selected"] = is_in(out["parcel_id"], freed.index)
    out["year"] = out["parcel_id"].map(freed["year"]) if "year" in freed.columns else np.nan
    out = out.sort_values("parcel_id").reset_index(drop=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=parcels.crs)


#: Firm-level columns of the evaluation list (亩均效益综合评价结果), in export order.
EVALUATION_COLUMNS = (
    "uscc",
    "name",
    "industry_code",
    "industry_name",
    "above_scale",
    "town",
    "land_area_mu",
    "tax_wan",
    "value_added_wan",
    "energy_tce_primary",
    "tax_per_mu",
    "value_added_per_mu",
    "value_added_per_tce",
    "tax_per_10k_kwh",
    "score_total",
    "rank_in_group",
    "eval_class",
    "class_reason",
    "land_tax_relief",
    "carbon_level",
)
#: Columns of the firm-level scenario plan (腾笼换鸟 企业清单).
SELECTION_COLUMNS = (
    "uscc",
    "name",
    "town",
    "eval_class",
    "remedy_zh",
    "remedy",
    "year",
    "freed_area_mu",
    "energy_saved_tce",
    "co2_reduction_t",
    "tax_change_wan",
)


def evaluation_list(firms: pd.DataFrame) -> pd.DataFrame:
    """Every firm's 亩均效益综合评价 (``exports/evaluation.csv``).

    Parameters
    ----------
    firms : DataFrame
        Evaluated firms (one row per ``uscc``).

    Returns
    -------
    DataFrame
        The :data:`EVALUATION_COLUMNS` present, by class then score (best first), unrated last;
        the index of ``firms`` is kept.
    """
    return firms[[c for c in EVALUATION_COLUMNS if c in firms.columns]].sort_values(
        ["eval_class", "score_total"], ascending=[True, False], na_position="last"
    )


def scenario_firms(selection: pd.DataFrame, firms: pd.DataFrame) -> pd.DataFrame:
    """The scenario firm by firm (``exports/scenario_firms.csv``): which firm, which remedy, which year.

    Parameters
    ----------
    selection : DataFrame
        :attr:`ScenarioResult.selection` (one row per firm acted on).
    firms : DataFrame
        Evaluated firms, for ``name``, ``town`` and ``eval_class`` where the selection lacks them.

    Returns
    -------
    DataFrame
        The :data:`SELECTION_COLUMNS` present, sorted by ``year``, ``remedy``, ``uscc``.
    """
    sel = selection.copy()
    extra = [c for c in ("name", "town", "eval_class") if c not in sel.columns and c in firms.columns]
    if extra:
        sel = sel.merge(firms[["uscc", *extra]], on="uscc", how="left")
    return sel[[c for c in SELECTION_COLUMNS if c in sel.columns]].sort_values(["year", "remedy", "uscc"])


def rectification_summary(
    firm_list: pd.DataFrame, parcel_list: pd.DataFrame, screening: Screening, rules: RuleSet
) -> dict[str, pd.DataFrame]:
    """The 整治清单's summaries (plan §三(一)1, §五): by town, by park, progress, field checks.

    Parameters
    ----------
    firm_list, parcel_list : DataFrame
        :func:`ruian_land.screening.firm_list` / :func:`~ruian_land.screening.parcel_list`, after
        the planner's tracking was merged.
    screening : Screening
        The screening result (for the parcels to check on site).
    rules : RuleSet
        The plan targets (``targets.*``).

    Returns
    -------
    dict
        ``town`` and ``park`` (:func:`ruian_land.screening.list_summary`, the group as a column),
        ``progress`` (:func:`ruian_land.screening.progress`, the target as a column) and
        ``field_checks`` (:func:`ruian_land.screening.field_checks`).
    """
    return {
        "town": list_summary(firm_list, parcel_list, rules, by="town").reset_index(),
        "park": list_summary(firm_list, parcel_list, rules, by="park").reset_index(),
        "progress": progress(firm_list, parcel_list, rules).reset_index(),
        "field_checks": field_checks(screening),
    }
