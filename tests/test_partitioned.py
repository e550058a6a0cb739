"""The dask path equals the pandas path (issue 15 item 5): the row-wise stages on four partitions
of the sample county give the very frames of the single-machine run."""

from __future__ import annotations

import sys
from typing import Any

import pandas as pd
import pytest

from ruian_land.core import InputError
from ruian_land.pipeline import partitioned
from ruian_land.screening import assess_idle, zonal_mean


def test_without_dask_the_error_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "dask_geopandas", None)  # import fails as if not installed
    with pytest.raises(InputError, match=r"ruian-land\[dask\]"):
        partitioned.partitioned_idle(pd.DataFrame({"parcel_id": ["a"]}), None, "2021-12-31")  # type: ignore[arg-type]


dask_geopandas = pytest.importorskip(
    "dask_geopandas", reason="the optional extra ruian-land[dask] (dask-geopandas) is not installed"
)


def test_firm_energy_and_indicators_on_four_partitions_equal_the_run(
    sample_run: tuple[Any, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    result, _ = sample_run
    calls: list[int] = []
    real = partitioned.energy_tce
    monkeypatch.setattr(
        partitioned, "energy_tce", lambda part, *a, **k: calls.append(len(part)) or real(part, *a, **k)
    )
    got = partitioned.partitioned_firm_indicators(
        result.firms, result.rules, npartitions=4, scheduler="synchronous"
    )
    assert calls[0] == 0 and len(calls) == 5  # the empty frame for dask's meta, then four partitions
    assert sum(calls) == len(result.firms) and max(calls) < len(result.firms)
    assert {"energy_tce_primary", "co2_t", "tax_per_mu", "value_added_per_mu"} <= set(got.columns)
    pd.testing.assert_frame_equal(got, result.firms[got.columns])  # exactly the run's columns


def test_idle_land_on_four_partitions_equals_the_pandas_path(sample_run: tuple[Any, Any]) -> None:
    result, _ = sample_run
    as_of = result.config.evaluation_date
    got = partitioned.partitioned_idle(result.parcels, result.rules, as_of, npartitions=4)
    pd.testing.assert_frame_equal(got, assess_idle(result.parcels, result.rules, as_of))
    run = result.screening.parcels.set_index("parcel_id")["is_idle"].astype(bool)
    assert got["is_idle"].astype(bool).to_numpy().tolist() == run.loc[result.parcels["parcel_id"]].tolist()
    assert got["is_idle"].any()  # the sample has idle land: the comparison is not of empty flags


def test_built_up_share_on_four_geopandas_partitions_equals_the_pandas_path(
    sample_run: tuple[Any, Any],
) -> None:
    result, _ = sample_run
    cfg = result.config
    if not cfg.has("built_up"):
        pytest.skip("the sample project has no built_up raster")
    raster = cfg.path("built_up")
    got = partitioned.partitioned_zonal_mean(result.parcels, raster, npartitions=4)
    pd.testing.assert_series_equal(got, zonal_mean(result.parcels, raster))
    assert got.notna().sum() > 0.5 * len(got)
