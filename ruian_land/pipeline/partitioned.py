"""Beyond one machine: the per-firm and per-parcel computations on dask(-geopandas) partitions.

The stages' row-wise parts — each firm's energy (tce, CO₂) and 亩均效益 indicators, each parcel's
idle-land status and built-up share under it (the raster zonal mean, the heaviest per-parcel
step) — depend on nothing but the row and the rules, so they are split into partitions and run by
dask, on the cores of this machine or on a cluster (``dask.distributed``). Each function here
gives exactly the frame of the pandas function it partitions (the tests compare them, partitioned
four ways). The county-wide steps (industry averages, benchmarks, scores, the scenario MILP) stay
in pandas: their inputs are one row per firm or parcel, small next to the row-wise work.

Needs the optional extra ``pip install "ruian-land[dask]"`` (dask-geopandas, dask[dataframe]);
without it every function raises :class:`~ruian_land.core.InputError` naming the install. Work is
sent to the scheduler dask uses by default: the threads of this machine, or the cluster of an
active ``dask.distributed.Client("tcp://scheduler:8786")``; ``scheduler=`` picks another.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from ruian_land.core import InputError
from ruian_land.evaluation import compute_indicators, energy_tce
from ruian_land.rules import RuleSet
from ruian_land.screening import assess_idle, zonal_mean

__all__ = ["DASK_EXTRA", "partitioned_firm_indicators", "partitioned_idle", "partitioned_zonal_mean"]

#: How to install what this module needs.
DASK_EXTRA = 'pip install "ruian-land[dask]"  (dask-geopandas and dask[dataframe])'


def _dask() -> tuple[Any, Any]:
    try:
        import dask.dataframe as dd
        import dask_geopandas
    except ImportError:
        raise InputError(
            "running on dask partitions needs the optional packages dask and dask-geopandas",
            fix=DASK_EXTRA,
        ) from None
    return dd, dask_geopandas


def _map(frame: pd.DataFrame, fn: Callable[[Any], Any], npartitions: int, scheduler: str | None) -> Any:
    """``fn`` on each of ``npartitions`` row partitions of ``frame``, put back together in order."""
    dd, dask_geopandas = _dask()
    if isinstance(frame, gpd.GeoDataFrame):
        parts = dask_geopandas.from_geopandas(frame, npartitions=npartitions, sort=False)
    else:
        parts = dd.from_pandas(frame, npartitions=npartitions, sort=False)
    meta = fn(frame.iloc[:0])  # the output's columns and dtypes, from no rows
    return parts.map_partitions(fn, meta=meta).compute(scheduler=scheduler)


def partitioned_firm_indicators(
    firms: pd.DataFrame,
    rules: RuleSet,
    *,
    npartitions: int = 4,
    year: int | None = None,
    scheduler: str | None = None,
) -> pd.DataFrame:
    """Each firm's energy and indicators on dask partitions: ``energy_tce`` then
    ``compute_indicators`` (:mod:`ruian_land.evaluation`), as the ingest and evaluate stages do.

    Parameters
    ----------
    firms : DataFrame
        The clean firms (``uscc``, ``tax_wan`` 万元, ``land_area_mu`` 亩, energy and statistics
        columns), any unique index.
    rules : RuleSet
        ``energy.*`` and the indicator definitions.
    npartitions : int
        Row partitions (several per worker core).
    year : int, optional
        Data year (the electricity factor of that year).
    scheduler : str, optional
        A dask scheduler name (``threads``, ``processes``, ``synchronous``); default dask's
        (a ``dask.distributed.Client`` when one is active).

    Returns
    -------
    DataFrame
        Same index and row order as ``firms``: the energy columns (``energy_tce_calorific``,
        ``energy_tce_primary``, ``co2_t`` …) and the indicators (``tax_per_mu`` 万元/亩 …),
        equal to the pandas path.

    Raises
    ------
    InputError
        dask or dask-geopandas is not installed; bad firm values (as the pandas path).
    """

    def one(part: pd.DataFrame) -> pd.DataFrame:
        energy = energy_tce(part, rules, year=year)
        with_energy = part.drop(columns=[c for c in energy.columns if c in part.columns]).join(energy)
        return energy.join(compute_indicators(with_energy, rules, year=year))

    return _map(firms, one, npartitions, scheduler)  # type: ignore[no-any-return]


def partitioned_idle(
    parcels: pd.DataFrame,
    rules: RuleSet,
    as_of: Any,
    *,
    npartitions: int = 4,
    scheduler: str | None = None,
) -> pd.DataFrame:
    """Each parcel's idle-land status (:func:`ruian_land.screening.assess_idle`) on partitions.

    Parameters
    ----------
    parcels : DataFrame or GeoDataFrame
        The clean parcels (grant, start and completion dates …), any unique index.
    rules : RuleSet
        ``idle.*``.
    as_of : date
        Assessment date (the project's evaluation date).
    npartitions, scheduler
        As for :func:`partitioned_firm_indicators`.

    Returns
    -------
    DataFrame
        Same index and order as ``parcels``: ``is_idle``, ``idle_kind``, ``idle_months`` …,
        equal to ``assess_idle(parcels, rules, as_of)``.
    """
    table = (
        pd.DataFrame(parcels.drop(columns=parcels.geometry.name))
        if isinstance(parcels, gpd.GeoDataFrame)
        else parcels
    )
    return _map(table, lambda part: assess_idle(part, rules, as_of), npartitions, scheduler)  # type: ignore[no-any-return]


def partitioned_zonal_mean(
    parcels: gpd.GeoDataFrame,
    raster: str | Path,
    *,
    npartitions: int = 4,
    scheduler: str | None = None,
) -> pd.Series:
    """The built-up share under each parcel (:func:`ruian_land.screening.zonal_mean`) on
    dask-geopandas partitions of the parcels.

    Parameters
    ----------
    parcels : GeoDataFrame
        Polygons with a CRS (normally EPSG:4549), any unique index.
    raster : str or Path
        The built-up raster (a path: each partition opens it itself, also on a cluster's
        workers, which must see the same path).
    npartitions, scheduler
        As for :func:`partitioned_firm_indicators`.

    Returns
    -------
    Series
        ``built_up_fraction`` (0–1), same index and order as ``parcels``, equal to
        ``zonal_mean(parcels, raster)``.
    """
    path = str(raster)

    def one(part: gpd.GeoDataFrame) -> pd.DataFrame:
        return zonal_mean(part, path, workers=1).to_frame()  # dask spreads the partitions; no forks inside

    return _map(parcels[[parcels.geometry.name]], one, npartitions, scheduler)["built_up_fraction"]  # type: ignore[no-any-return]
