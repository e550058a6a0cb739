"""The bureaus' tables of the sample county, with the Chinese headers of
``docs/CONTRACTS.md`` §1 and the cells as each bureau writes them (formatted tax amounts,
``—`` for not reported energy, 是/否 flags)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ruian_land.sample.params import SEAT_CODES

__all__ = [
    "PARCEL_FIELDS",
    "emissions_table",
    "energy_table",
    "lease_table",
    "parcel_frame",
    "registry_table",
    "statistics_table",
    "tax_table",
]

#: DBF field name → canonical column, in file order (names ≤ 10 bytes in GBK).
PARCEL_FIELDS: dict[str, str] = {
    "宗地代码": "parcel_id",
    "权利人": "owner_name",
    "权利人代码": "owner_uscc",
    "土地用途": "land_use",
    "宗地面积": "recorded_area_m2",
    "建筑面积": "floor_area_m2",
    "建筑占地": "footprint_m2",
    "供地日期": "grant_date",
    "约定开工": "agreed_start_date",
    "实际开工": "actual_start_date",
    "开发面积": "developed_area_m2",
    "投资总额": "investment_total_wan",
    "已投资额": "investment_done_wan",
    "停工日期": "suspended_since",
    "政府原因": "government_delay",
    "出让价款": "grant_price_wan",
    "所在乡镇": "town",
    "园区名称": "park_name",
}
NOT_REPORTED = "—"
_FLOAT_FIELDS = ("宗地面积", "建筑面积", "建筑占地", "开发面积", "投资总额", "已投资额", "出让价款")
_DATE_FIELDS = ("供地日期", "约定开工", "实际开工", "停工日期")


def _yes_no(values: pd.Series) -> pd.Series:
    return values.map(lambda v: "是" if bool(v) else "否")


def parcel_frame(parcels: pd.DataFrame, owner_codes: pd.Series) -> pd.DataFrame:
    """Parcels with the DBF field names (geometry column kept as ``geometry``).

    ``owner_codes`` (same index) is the 权利人代码 as written (faults included).
    """
    out = pd.DataFrame({zh: parcels[en] for zh, en in PARCEL_FIELDS.items()}, index=parcels.index)
    out["权利人代码"] = owner_codes.fillna("")
    out["政府原因"] = np.where(parcels["government_delay"].astype(bool), "是", "否")
    for c in ("权利人", "园区名称", "所在乡镇", "土地用途"):
        out[c] = out[c].fillna("").astype(object)
    for c in _FLOAT_FIELDS:
        out[c] = pd.to_numeric(out[c], errors="coerce").astype(float)
    for c in _DATE_FIELDS:
        out[c] = pd.to_datetime(out[c])
    out["geometry"] = parcels.geometry.to_numpy()
    return out


def _town_order(firms: pd.DataFrame) -> pd.Index:
    key = firms["town"].map(SEAT_CODES).fillna(999)
    return firms.assign(_k=key).sort_values(["_k", "name"], kind="stable").index


def registry_table(firms: pd.DataFrame, codes: pd.Series) -> pd.DataFrame:
    """企业名录 (经信局): one row per firm, by town then name."""
    f = firms.loc[_town_order(firms)]
    return pd.DataFrame(
        {
            "统一社会信用代码": codes.reindex(f.index).to_numpy(),
            "企业名称": f["name"].to_numpy(),
            "行业代码": f["industry_code"].astype(str).to_numpy(),
            "行业名称": f["industry_name"].to_numpy(),
            "企业规模": np.where(f["above"], "规上", "规下"),
            "所在乡镇": f["town"].to_numpy(),
            "成立日期": f["established_date"].to_numpy(),
            "投产日期": f["production_start_date"].to_numpy(),
            "项目建成年份": f["project_built_year"].to_numpy(),
            "豁免类型": f["exempt_reason"].to_numpy(),
            "安全事故": _yes_no(f["safety_accident"]).to_numpy(),
            "环保处罚": _yes_no(f["environmental_penalty"]).to_numpy(),
            "节能未达标": _yes_no(f["energy_task_unmet"]).to_numpy(),
            "欠税": _yes_no(f["tax_arrears"]).to_numpy(),
        }
    )


def _thousands(x: float) -> str:
    return f"{x:,.2f}"


def tax_table(firms: pd.DataFrame, codes: pd.Series, year: int) -> pd.DataFrame:
    """税收 (税务局): by tax descending, amounts as text with thousands separators, and a
    trailing 合计 row."""
    f = firms.loc[codes.index].sort_values("tax_wan", ascending=False, kind="stable")
    out = pd.DataFrame(
        {
            "纳税人识别号": codes.reindex(f.index).to_numpy(),
            "纳税人名称": f["name"].to_numpy(),
            "所属年度": str(year),
            "实缴税收(万元)": [_thousands(v) for v in f["tax_wan"]],
        }
    )
    total = pd.DataFrame(
        {
            "纳税人识别号": ["合计"],
            "纳税人名称": [""],
            "所属年度": [""],
            "实缴税收(万元)": [_thousands(f["tax_wan"].sum())],
        }
    )
    return pd.concat([out, total], ignore_index=True)


def statistics_table(firms: pd.DataFrame, codes: pd.Series) -> pd.DataFrame:
    """规上 statistics (统计局)."""
    f = firms.loc[_town_order(firms.loc[codes.index])]
    return pd.DataFrame(
        {
            "统一社会信用代码": codes.reindex(f.index).to_numpy(),
            "单位详细名称": f["name"].to_numpy(),
            "工业总产值(万元)": f["output_wan"].to_numpy(),
            "工业增加值(万元)": f["value_added_wan"].to_numpy(),
            "营业收入(万元)": f["revenue_wan"].to_numpy(),
            "研发费用(万元)": f["rd_wan"].to_numpy(),
            "年平均从业人员(人)": f["employees"].astype(int).to_numpy(),
        }
    )


def energy_table(rng: np.random.Generator, firms: pd.DataFrame, codes: pd.Series) -> pd.DataFrame:
    """能耗 (发改局): electricity for every firm; gas, coal and heat as ``—`` (a few blank)
    when not reported. Values in the bureau's units (万千瓦时, 万立方米, 吨, 百万千焦)."""
    f = firms.loc[_town_order(firms.loc[codes.index])]
    cols = {
        "用电量(万千瓦时)": np.round(f["elec_kwh"].to_numpy() / 1e4, 2),
        "天然气(万立方米)": np.round(f["gas_m3"].to_numpy() / 1e4, 2),
        "原煤(吨)": np.round(f["coal_t"].to_numpy(), 1),
        "外购热力(百万千焦)": np.round(f["heat_mj"].to_numpy() / 1e3, 0),
    }
    out = pd.DataFrame(
        {"统一社会信用代码": codes.reindex(f.index).to_numpy(), "企业名称": f["name"].to_numpy()}
    )
    for name, values in cols.items():
        cells = np.array(values, dtype=object)
        missing = pd.isna(values)
        blank = missing & (rng.random(len(values)) < 0.05)
        cells[missing] = NOT_REPORTED
        cells[blank] = None
        out[name] = cells
    return out


def emissions_table(firms: pd.DataFrame, codes: pd.Series) -> pd.DataFrame:
    """排放 (生态环境局): firms in the pollution-source list, tonnes with 3 decimals."""
    f = firms.loc[_town_order(firms.loc[codes.index])]
    out = pd.DataFrame(
        {"统一社会信用代码": codes.reindex(f.index).to_numpy(), "企业名称": f["name"].to_numpy()}
    )
    for zh, en in (
        ("化学需氧量(吨)", "cod_t"),
        ("氨氮(吨)", "ammonia_t"),
        ("二氧化硫(吨)", "so2_t"),
        ("氮氧化物(吨)", "nox_t"),
    ):
        out[zh] = [f"{v:.3f}" for v in f[en]]
    return out


def lease_table(leases: pd.DataFrame, firms: pd.DataFrame, codes: pd.Series) -> pd.DataFrame:
    """厂房租赁 (经信局): one row per lease."""
    return pd.DataFrame(
        {
            "承租企业代码": codes.reindex(leases["fid"]).to_numpy(),
            "承租企业名称": firms.loc[leases["fid"], "name"].to_numpy(),
            "宗地代码": leases["parcel_id"].to_numpy(),
            "出租方名称": leases["lessor_name"].to_numpy(),
            "租用面积(平方米)": leases["leased_area_m2"].to_numpy(),
        }
    )
