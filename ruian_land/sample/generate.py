"""Build the sample county and write its bureau files (see the package docstring)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.affinity
from rasterio.transform import Affine

from ruian_land.core import WORKING_CRS
from ruian_land.rules import RuleSet, load_rules
from ruian_land.sample.boundary import OUTLINE_ASSET, OUTLINE_SOURCE, outline_working, read_asset_bytes
from ruian_land.sample.county import Replica, build_replica
from ruian_land.sample.faults import code_faults, geometry_faults
from ruian_land.sample.history import history_table, investment_table
from ruian_land.sample.params import EVALUATION_DATE, SampleParams
from ruian_land.sample.periods import write_periods
from ruian_land.sample.raster import NODATA, built_up_raster
from ruian_land.sample.supervision import contract_table, project_table
from ruian_land.sample.tables import (
    PARCEL_FIELDS,
    emissions_table,
    energy_table,
    lease_table,
    parcel_frame,
    registry_table,
    statistics_table,
    tax_table,
)
from ruian_land.sample.writers import (
    write_csv,
    write_geotiff,
    write_gpkg,
    write_parcels_shapefile,
    write_utf8_shapefile,
    write_xlsx,
)

__all__ = [
    "DEFAULT_SEED",
    "FILES",
    "MAX_SCALE",
    "SampleCounty",
    "SampleTruth",
    "build_sample",
    "generate_sample",
    "write_sample",
]

#: Seed of the committed sample county (the plan's date, 2021-11-30).
DEFAULT_SEED = 20211130
#: Largest ``scale``: 12 replicas of the county at up to 2× each.
MAX_SCALE = 24.0
_REPLICA_SCALE = 2.0
_REPLICA_STEP_M = 80_000.0

#: Source name → path under the output folder (as listed in ``project.yaml``).
FILES: dict[str, str] = {
    "parcels": "parcels/宗地.shp",
    "registry": "enterprises/企业名录_经信局.xlsx",
    "tax": "enterprises/税收_税务局.csv",
    "statistics": "enterprises/统计_统计局.xlsx",
    "energy": "enterprises/能耗_发改局.xlsx",
    "emissions": "enterprises/排放_生态环境局.csv",
    "leases": "enterprises/厂房租赁_经信局.xlsx",
    "control_lines": "control_lines/工业用地控制线.shp",
    "towns": "boundary/乡镇街道.gpkg",
    "boundary": "boundary/瑞安市.gpkg",
    "built_up": "raster/建成度.tif",
    "firm_history": "enterprises/历年数据_经信局.csv",
    "investment": "enterprises/投资_统计局.csv",
    "projects": "enterprises/项目库_发改局.xlsx",
    "standard_land_contracts": "enterprises/标准地监管协议.xlsx",
}
_SHEETS = {
    "registry": "企业名录",
    "statistics": "规上工业",
    "energy": "2021年度能耗",
    "leases": "厂房租赁",
    "projects": "重大项目",
    "standard_land_contracts": "投资监管协议",
}
_STATS_TITLE = "{year}年瑞安市规模以上工业企业主要经济指标"


@dataclass
class SampleTruth:
    """What the generator knows and the files do not say.

    Attributes
    ----------
    firms : DataFrame
        One row per firm (index ``fid``): true ``uscc``, ``name``, ``above``, ``role``
        (owner | lessee | none), ``industry_code``, registry columns, ``tax_wan``,
        ``value_added_wan`` …, ``energy_tce_calorific``, ``emission_t``, ``land_m2``,
        ``land_mu`` (occupied land, m² / 亩, NaN for firms with none), ``tax_per_mu``,
        ``two_high``, ``in_tax_table``, ``in_emission_table``.
    parcels : GeoDataFrame
        Clean parcels (valid geometry, EPSG:4549, sorted like the file without the fault
        records): canonical columns plus ``status``, ``owner_fid``, ``idle``, ``field_check``,
        ``low_far``, ``low_coverage``, ``far``, ``coverage``, ``cluster``, ``area_m2``.
    leases : DataFrame
        ``fid, uscc, parcel_id, leased_area_m2, lessor_name``.
    geometry_faults : DataFrame
        ``parcel_id, fault`` (bowtie | spike | sliver | duplicate), ``true_geometry``.
    code_faults : DataFrame
        ``fid, true_uscc, table`` (a table name or ``all``), ``written``, ``kind``
        (wrong_check | fullwidth | lowercase | spaces).
    parks, clusters : GeoDataFrame
        Park polygons (``名称``) and industrial cluster polygons (``town``), EPSG:4549.
    """

    firms: pd.DataFrame
    parcels: gpd.GeoDataFrame
    leases: pd.DataFrame
    geometry_faults: pd.DataFrame
    code_faults: pd.DataFrame
    parks: gpd.GeoDataFrame
    clusters: gpd.GeoDataFrame


@dataclass
class SampleCounty:
    """The sample county in memory, exactly as :func:`write_sample` writes it.

    Frames carry the files' Chinese headers; geometry is EPSG:4549. ``built_up`` is the
    uint8 percent raster (255 = nodata) with ``built_up_transform`` (10 m cells).
    """

    seed: int
    scale: float
    evaluation_date: dt.date
    parcels: gpd.GeoDataFrame
    registry: pd.DataFrame
    tax: pd.DataFrame
    statistics: pd.DataFrame
    energy: pd.DataFrame
    emissions: pd.DataFrame
    leases: pd.DataFrame
    control_lines: gpd.GeoDataFrame
    towns: gpd.GeoDataFrame
    boundary: gpd.GeoDataFrame
    built_up: np.ndarray
    built_up_transform: Affine
    truth: SampleTruth
    rules_presets: list[str] = field(default_factory=list)
    firm_history: pd.DataFrame = field(default_factory=pd.DataFrame)
    investment: pd.DataFrame = field(default_factory=pd.DataFrame)
    projects: pd.DataFrame | None = None
    standard_land_contracts: pd.DataFrame | None = None


def _rng(seed: int, stage: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence([seed, 99, stage]))


def _replica_suffix(r: int) -> str:
    return "" if r == 0 else f"(副本{r + 1})"


def _combine(
    reps: list[Replica],
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict[str, gpd.GeoDataFrame]]:
    """Concatenate replicas with unique firm ids and suffixed town names."""
    parcels, firms, leases = [], [], []
    layers: dict[str, list[gpd.GeoDataFrame]] = {
        "towns": [],
        "clusters": [],
        "parks": [],
        "control_lines": [],
        "boundary": [],
    }
    base = 0
    for r, rep in enumerate(reps):
        sfx = _replica_suffix(r)
        f = rep.firms.copy()
        f.index = f.index + base
        f["town"] = (
            f["town"].astype(object).map(lambda t, s=sfx: None if t is None or pd.isna(t) else f"{t}{s}")
        )
        p = rep.parcels.copy()
        p["owner_fid"] = np.where(p["owner_fid"] >= 0, p["owner_fid"] + base, -1)
        p["town"] = p["town"] + sfx
        p["replica"] = r
        ls = rep.leases.copy()
        ls["fid"] = ls["fid"] + base
        base += len(f)
        firms.append(f)
        parcels.append(p)
        leases.append(ls)
        lay = rep.layout
        layers["towns"].append(lay.towns.assign(名称=lay.towns["名称"] + sfx))
        layers["clusters"].append(lay.clusters.assign(town=lay.clusters["town"] + sfx))
        layers["parks"].append(lay.parks.assign(名称=lay.parks["名称"] + sfx))
        layers["control_lines"].append(lay.control_lines.assign(名称=lay.control_lines["名称"] + sfx))
        layers["boundary"].append(
            gpd.GeoDataFrame(
                {"名称": [f"瑞安市{sfx}"], "行政代码": [rep.county_code]},
                geometry=[rep.outline],
                crs=WORKING_CRS,
            )
        )
    merged = {k: pd.concat(v, ignore_index=True) for k, v in layers.items()}
    return (
        gpd.GeoDataFrame(pd.concat(parcels, ignore_index=True), geometry="geometry", crs=WORKING_CRS),
        pd.concat(firms),
        pd.concat(leases, ignore_index=True),
        {k: gpd.GeoDataFrame(v, geometry="geometry", crs=WORKING_CRS) for k, v in merged.items()},
    )


def build_sample(seed: int = DEFAULT_SEED, scale: float = 1.0, rules: RuleSet | None = None) -> SampleCounty:
    """Generate the sample county in memory.

    Parameters
    ----------
    seed : int
        Random seed; the same seed and scale give the same county (and byte-identical files).
    scale : float
        Multiplies the counts (parcels, firms, 规上 firms). Up to 2 the county grows in place
        on the Ruian outline; above 2 the county is repeated (up to 12 replicas, shifted 80 km
        west/north, county codes 330381 + replica) for province-sized benchmark sets.
    rules : RuleSet, optional
        Rule set whose idle-land, "两高" and energy-factor rules the generator honours;
        default ``load_rules()`` (ruian_default + huangyan_2021).

    Returns
    -------
    SampleCounty
        Frames with the files' Chinese headers (EPSG:4549) and the generator's
        :class:`SampleTruth`.

    Raises
    ------
    ValueError
        If ``scale`` is not in (0, :data:`MAX_SCALE`].
    """
    if not (0 < scale <= MAX_SCALE):
        raise ValueError(f"scale must be in (0, {MAX_SCALE}], got {scale}")
    rules = rules or load_rules()
    params = SampleParams()
    n_rep = 1 if scale <= _REPLICA_SCALE else math.ceil(scale / _REPLICA_SCALE)
    outline0 = outline_working()
    reps = []
    for r in range(n_rep):
        dx, dy = -_REPLICA_STEP_M * (r % 3), _REPLICA_STEP_M * (r // 3)
        reps.append(
            build_replica(
                seed, r, scale / n_rep, outline0, (dx, dy), params, rules, EVALUATION_DATE, str(330381 + r)
            )
        )
    clean, firms, leases, layers = _combine(reps)
    clean = clean.sort_values(["replica", "parcel_id"], kind="stable").reset_index(drop=True)
    pid_index = {p: i for i, p in enumerate(clean["parcel_id"])}
    leases["parcel_index"] = leases["parcel_id"].map(pid_index)
    leases["uscc"] = firms.loc[leases["fid"], "uscc"].to_numpy()

    # codes as each table writes them
    owner_fids = pd.Index(np.unique(clean.loc[clean["owner_fid"] >= 0, "owner_fid"]))
    present = {
        "registry": firms.index,
        "tax": firms.index[firms["in_tax_table"]],
        "statistics": firms.index[firms["above"]],
        "energy": firms.index,
        "emissions": firms.index[firms["in_emission_table"]],
        "leases": pd.Index(leases["fid"].unique()),
        "parcels": owner_fids,
    }
    written, code_truth = code_faults(_rng(seed, 1), firms, present, params)
    owner_codes = clean["owner_uscc"].astype(object).copy()
    has_owner = clean["owner_fid"] >= 0
    owner_codes[has_owner] = written["parcels"].reindex(clean.loc[has_owner, "owner_fid"]).to_numpy()
    canon = clean[[*PARCEL_FIELDS.values(), "geometry"]].copy()
    canon["owner_uscc"] = owner_codes
    faulty, geom_truth = geometry_faults(_rng(seed, 2), canon, params)
    parcels = gpd.GeoDataFrame(
        parcel_frame(faulty, faulty["owner_uscc"]), geometry="geometry", crs=WORKING_CRS
    )
    year = EVALUATION_DATE.year
    land = shapely.union_all(layers["boundary"].geometry.to_numpy())
    array, transform = built_up_raster(_rng(seed, 3), clean, land)
    truth = SampleTruth(
        firms=firms,
        parcels=clean,
        leases=leases[["fid", "uscc", "parcel_id", "leased_area_m2", "lessor_name"]],
        geometry_faults=geom_truth,
        code_faults=code_truth,
        parks=layers["parks"],
        clusters=layers["clusters"],
    )
    lines = layers["control_lines"][["名称", "级别", "geometry"]]
    return SampleCounty(
        seed=seed,
        scale=scale,
        evaluation_date=EVALUATION_DATE,
        parcels=parcels,
        registry=registry_table(firms, written["registry"]),
        tax=tax_table(firms, written["tax"], year),
        statistics=statistics_table(firms, written["statistics"]),
        energy=energy_table(_rng(seed, 4), firms, written["energy"]),
        emissions=emissions_table(firms, written["emissions"]),
        leases=lease_table(leases, firms, written["leases"].reindex(leases["fid"].unique())),
        control_lines=lines[~lines.geometry.is_empty].reset_index(drop=True),
        towns=layers["towns"][["名称", "geometry"]],
        boundary=layers["boundary"],
        built_up=array,
        built_up_transform=transform,
        truth=truth,
        rules_presets=list(rules.presets),
        firm_history=history_table(_rng(seed, 11), firms, written["statistics"], year),
        investment=investment_table(year, scale),
        projects=project_table(_rng(seed, 20), clean, sorted(set(clean["town"])), EVALUATION_DATE),
        standard_land_contracts=contract_table(_rng(seed, 21), clean, firms),
    )


def _project_yaml(county: SampleCounty) -> str:
    s = FILES
    return (
        "# Sample county (synthetic except the Ruian outline), see README.md in this folder.\n"
        f"# Regenerate: python -m ruian_land.sample --out <this folder> --seed {county.seed}"
        f"{'' if county.scale == 1 else f' --scale {county.scale:g}'}\n"
        "name: 瑞安市样例县\n"
        f"data_year: {county.evaluation_date.year}\n"
        f"evaluation_date: {county.evaluation_date.isoformat()}\n"
        "rules: {base: ruian_default, evaluation: huangyan_2021}\n"
        "sources:\n"
        # the DBF is GBK without a .cpg, as 不动产登记 exports often are: say so, no guessing
        f"  parcels: {{path: {s['parcels']}, encoding: gbk}}\n"
        f"  registry: {{path: {s['registry']}, sheet: {_SHEETS['registry']}}}\n"
        f"  tax: {{path: {s['tax']}, encoding: gbk}}\n"
        f"  statistics: {{path: {s['statistics']}}}\n"
        f"  energy: {{path: {s['energy']}}}\n"
        f"  emissions: {{path: {s['emissions']}}}\n"
        f"  leases: {{path: {s['leases']}}}\n"
        f"  control_lines: {{path: {s['control_lines']}}}\n"
        f"  towns: {{path: {s['towns']}}}\n"
        f"  boundary: {{path: {s['boundary']}}}\n"
        f"  built_up: {{path: {s['built_up']}}}\n"
        f"  firm_history: {{path: {s['firm_history']}}}\n"
        f"  investment: {{path: {s['investment']}}}\n"
        f"  projects: {{path: {s['projects']}, sheet: {_SHEETS['projects']}}}\n"
        f"  standard_land_contracts: {{path: {s['standard_land_contracts']}, sheet: {_SHEETS['standard_land_contracts']}}}\n"
    )


_SOURCE_README = """# Ruian outline, as downloaded (GCJ-02)

`ruian_330381_gcj02.geojson` is row `adcode == '330381'` (瑞安市) of `浙江省.shp`, copied unchanged
(coordinates GCJ-02, AMap's offset lon/lat; attributes name, adcode, level, citycode, ctname,
ctadcode, prname, pradcode).

- Repository: {repository}
- Commit: {commit}
- Path: `{path}`
- Licence: {licence} (Copyright (c) GaryBikini)

`../瑞安市.gpkg` is this outline converted vertex by vertex from GCJ-02 to WGS84 with
`prcoords.gcj_wgs_bored`, taken as CGCS2000 (the two differ by less than 1 m) and projected to
EPSG:4549 (CGCS2000 / 3-degree Gauss-Kruger CM 120E).
"""


def write_sample(county: SampleCounty, out_dir: str | Path) -> dict[str, Path]:
    """Write the county's files (``docs/CONTRACTS.md`` §1) and ``project.yaml``.

    Parameters
    ----------
    county : SampleCounty
        From :func:`build_sample`.
    out_dir : str or Path
        Folder to write into (created); existing files of the same names are replaced.

    Returns
    -------
    dict of str to Path
        Source name (as in ``project.yaml``) → main file; also ``project`` and
        ``boundary_source`` (the outline as downloaded, GCJ-02 GeoJSON).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {k: out / v for k, v in FILES.items()}
    write_parcels_shapefile(county.parcels, paths["parcels"])
    year = county.evaluation_date.year
    write_xlsx(
        paths["registry"], _SHEETS["registry"], county.registry, text_columns=("统一社会信用代码", "行业代码")
    )
    write_csv(county.tax, paths["tax"], "gbk")
    write_xlsx(
        paths["statistics"],
        _SHEETS["statistics"],
        county.statistics,
        title=_STATS_TITLE.format(year=year),
        text_columns=("统一社会信用代码",),
    )
    write_xlsx(paths["energy"], _SHEETS["energy"], county.energy, text_columns=("统一社会信用代码",))
    write_csv(county.emissions, paths["emissions"], "utf-8-sig")
    write_csv(county.firm_history, paths["firm_history"], "utf-8-sig")
    write_csv(county.investment, paths["investment"], "utf-8-sig")
    write_xlsx(paths["leases"], _SHEETS["leases"], county.leases, text_columns=("承租企业代码", "宗地代码"))
    write_utf8_shapefile(county.control_lines, paths["control_lines"])
    write_gpkg(county.towns, paths["towns"], "乡镇街道")
    write_gpkg(county.boundary, paths["boundary"], "瑞安市")
    write_geotiff(county.built_up, county.built_up_transform, paths["built_up"], NODATA)
    for name, codes in (
        ("projects", ("行业代码", "宗地代码")),
        ("standard_land_contracts", ("宗地代码", "统一社会信用代码")),
    ):
        table = getattr(county, name)
        if table is not None:
            write_xlsx(paths[name], _SHEETS[name], table, text_columns=codes)
    paths["project"] = out / "project.yaml"
    paths["project"].write_text(_project_yaml(county), encoding="utf-8", newline="\n")
    src = out / "boundary" / "source"
    src.mkdir(parents=True, exist_ok=True)
    paths["boundary_source"] = src / OUTLINE_ASSET
    paths["boundary_source"].write_bytes(read_asset_bytes(OUTLINE_ASSET))
    (src / "README.md").write_text(_SOURCE_README.format(**OUTLINE_SOURCE), encoding="utf-8", newline="\n")
    paths.update(write_periods(county, out))  # the monitoring periods (monitor.yaml, periods/)
    return paths


def generate_sample(
    out_dir: str | Path = "data", seed: int = DEFAULT_SEED, scale: float = 1.0
) -> dict[str, Path]:
    """Build and write the sample county (:func:`build_sample` then :func:`write_sample`).

    Returns
    -------
    dict of str to Path
        As :func:`write_sample`.
    """
    return write_sample(build_sample(seed=seed, scale=scale), out_dir)
