"""``ruian-land init DIR``: a commented project config for a new county, laid out like the sample."""

from __future__ import annotations

from pathlib import Path

from ruian_land.core import InputError

__all__ = ["PROJECT_TEMPLATE", "write_project_template"]

#: The commented ``project.yaml`` written by ``ruian-land init``. Paths follow the sample county
#: (``data/``); edit them to where the bureaus' files are. Every key is explained where it stands.
PROJECT_TEMPLATE = """\
# ruian-land project config — one file per county (or per evaluation year).
# Check it with:   ruian-land check --config {config}
# Then run:        ruian-land run --config {config} --out out
# Paths are relative to this file's folder. Every key below is optional unless marked REQUIRED.

name: {name}                 # shown in titles, the map and the report
data_year: 2021              # the year the tax / statistics / energy tables describe
evaluation_date: 2021-12-31  # the "as of" date: idle-land clocks, new-firm exemptions, deadlines

rules:
  base: ruian_default        # rule preset: `ruian-land rules` lists them, `ruian-land rules ruian_default` shows each rule
  evaluation: huangyan_2021  # 亩均效益综合评价 preset (weights, benchmarks, A/B/C/D bands)
  overrides: {{}}              # change a rule for this county, e.g. {{targets.freed_area_mu: 800, screening.far_min: 1.2}}
  # targets of plan §二 are rules too: targets.freed_area_mu (亩), targets.freed_energy_tce, targets.co2_reduction_t,
  # targets.firms_exited, targets.firms_upgraded, targets.tax_per_mu (万元/亩)

sources:
  # --- REQUIRED ---------------------------------------------------------------------------------
  # 宗地 parcels: shapefile / GeoPackage / GeoJSON. encoding: the DBF's text encoding when there is no
  # .cpg (不动产登记 exports are usually gbk); crs: when the .prj is missing or wrong, e.g. EPSG:4549
  # (CGCS2000 / 3-degree GK CM 120E, Ruian) or EPSG:4490 (CGCS2000 lon/lat).
  # duplicates: which feature of a 宗地代码 found twice with different polygons is kept — first (default),
  # last, largest, or error (refuse the layer); every other one is in the ledger (qa/issues.csv).
  parcels: {{path: parcels/宗地.shp, encoding: gbk}}
  # 企业名录 (经信局): xlsx/xls/csv; sheet: name or 0-based number of the worksheet.
  registry: {{path: enterprises/企业名录_经信局.xlsx, sheet: 企业名录}}
  # 税收 (税务局): a csv's encoding when it is not UTF-8 (gbk / gb18030).
  tax: {{path: enterprises/税收_税务局.csv, encoding: gbk}}
  # --- optional (leave out what you do not have; the stages that need them say so) ---------------
  statistics: {{path: enterprises/统计_统计局.xlsx}}       # 规上工业: 增加值, 营业收入, 研发, 从业人员
  energy: {{path: enterprises/能耗_发改局.xlsx}}           # 用电, 天然气, 原煤, 外购热力
  emissions: {{path: enterprises/排放_生态环境局.csv}}     # COD, 氨氮, SO2, NOx
  leases: {{path: enterprises/厂房租赁_经信局.xlsx}}       # tenants: 承租企业代码, 宗地代码, 租用面积
  control_lines: {{path: control_lines/工业用地控制线.shp}}
  towns: {{path: boundary/乡镇街道.gpkg}}
  boundary: {{path: boundary/{county}.gpkg}}             # the county's outline (named after this folder)
  built_up: {{path: raster/建成度.tif}}                    # built-up fraction raster (0–1), any CRS
  # points: {{path: enterprises/企业坐标.csv, coords: gcj02}}   # geocoded firms (AMap gcj02, Baidu bd09, wgs84)
  # conversions: {{path: land/用途转换.xlsx}}                  # 用途转换 for the 工业用地控制线 books
  # compensations: {{path: land/补充工业用地.xlsx}}
  # land_supply: {{path: land/土地出让.xlsx}}
  # previous_classes: {{path: enterprises/上年评价.xlsx}}       # last year's classes (consecutive D years)
  # projects: {{path: enterprises/项目库_发改局.xlsx}}          # 招大引强 / 挂图作战: 总投资, 节点计划/实际日期
  # standard_land_contracts: {{path: enterprises/标准地监管协议.xlsx}}  # 标准地 投资监管协议 约定值

# Extra header aliases, when a bureau's header is not recognised (`ruian-land check` names the column
# and the headers it found). Form: {{kind: {{canonical_column: [表头, ...]}}}}; the reverse
# {{kind: {{表头: canonical_column}}}} works too. Canonical columns are listed in docs/CONTRACTS.md.
columns: {{}}
# columns:
#   tax: {{tax_wan: [实缴税额(万元), 税收合计]}}
#   registry: {{uscc: [社会信用代码]}}

scenario:
  objective: tax             # tax (least tax lost) | jobs | mixed
  # town_quotas: {{塘下镇: 200}}   # minimum 亩 freed per town
  # budget_wan: 30000          # total one-off public cost, 万元
  # compare: plan_2021_2023    # also solve the plan's named scenarios side by side (out/scenario/)

maps:
  offline: true              # inline Leaflet so the map opens without internet
  basemap: none              # none | osm | tianditu (needs tianditu_key) | xyz (needs xyz_url)

privacy:
  mask_personal: true        # 法定代表人 / 联系人 names, phone and ID numbers masked as soon as read

# allow_outside_paths: false   # source paths must stay under this folder unless set to true

# tracking:
#   previous_list: out/exports/整治清单.xlsx   # the planner's edited list of the last run, carried over by code
"""


def write_project_template(folder: str | Path, *, name: str | None = None, force: bool = False) -> Path:
    """Write a commented ``project.yaml`` into ``folder`` (created if missing).

    Parameters
    ----------
    folder : str or Path
        The county's project folder; source paths in the template are relative to it and follow
        the sample county's layout (``parcels/``, ``enterprises/``, ``control_lines/`` …).
    name : str, optional
        The project name (default: the folder's name). The boundary path is
        ``boundary/<folder name>.gpkg`` either way.
    force : bool
        Overwrite an existing ``project.yaml``.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    InputError
        ``folder`` is a file, or ``project.yaml`` exists and ``force`` is False.
    """
    out = Path(folder)
    if out.exists() and not out.is_dir():
        raise InputError("the project location is a file, not a folder", path=out, fix="choose a folder")
    target = out / "project.yaml"
    if target.exists() and not force:
        raise InputError(
            "a project config already exists here",
            path=target,
            fix="edit it, or add --force to replace it with the commented template",
        )
    out.mkdir(parents=True, exist_ok=True)
    county = out.resolve().name  # boundary/<folder>.gpkg, not the sample's 瑞安市.gpkg
    text = PROJECT_TEMPLATE.format(name=name or county, config=target, county=county)
    target.write_text(text, encoding="utf-8", newline="\n")
    return target
