"""The three supervision layers (issue 17): 标准地履约 (投资监管协议 status by parcel), 挂图作战
(1亿元+ projects by status, overdue in red) and 政策适用 (保障性租赁住房, 提容增效, 差别化地价),
each drawn on the parcels it concerns."""

from __future__ import annotations

import pandas as pd

from ruian_land.core import is_in, join_unique, label_zh, split_codes
from ruian_land.maps.book import LayerBook
from ruian_land.maps.data import format_column
from ruian_land.maps.styles import _legend, _style, _swatch
from ruian_land.supervision import Supervision

__all__ = [
    "CONTRACT_STYLE",
    "LAYER_CONTRACTS",
    "LAYER_POLICIES",
    "LAYER_PROJECTS",
    "POLICY_STYLE",
    "PROJECT_STYLE",
    "SUPERVISION_LAYERS",
    "add_supervision",
]

LAYER_CONTRACTS = "标准地履约"
LAYER_PROJECTS = "挂图作战"
LAYER_POLICIES = "政策适用"
#: The three layer names, bottom to top.
SUPERVISION_LAYERS: tuple[str, ...] = (LAYER_CONTRACTS, LAYER_PROJECTS, LAYER_POLICIES)

#: Contract status → (fill colour, legend label).
CONTRACT_STYLE: dict[str, tuple[str, str]] = {
    "breach": ("#d7301f", "违约（达产后未达约定值）"),
    "compliant": ("#1a9850", "履约"),
    "no_data": ("#969696", "数据不足"),
    "not_due": ("#9ecae1", "未到达产期"),
    "no_due_date": ("#d9d9d9", "无达产日期"),
}
#: Project status → (fill colour, legend label); overdue in red.
PROJECT_STYLE: dict[str, tuple[str, str]] = {
    "overdue": ("#e31a1c", "节点逾期"),
    "on_track": ("#33a02c", "按计划推进"),
    "finished": ("#1f78b4", "全部完成"),
}
#: Policy key → (fill colour, legend label).
POLICY_STYLE: dict[str, tuple[str, str]] = {
    "housing": ("#fdae61", "可建宿舍型保障性租赁住房"),
    "far": ("#74add1", "提容增效（低于行业容积率）"),
    "price": ("#c2a5cf", "差别化地价（底价可按最低价70%）"),
    "several": ("#762a83", "适用多项政策"),
}


def _labels(attrs: pd.DataFrame) -> pd.Series:
    label = pd.Series(attrs.index, index=attrs["parcel_id"].astype(str))
    return label[~label.index.duplicated()]


def _draw(
    book: LayerBook,
    attrs: pd.DataFrame,
    key: str,
    name: str,
    rows: pd.DataFrame,
    fields: list[tuple[str, str]],
    style: dict[str, tuple[str, str]],
    note: str,
) -> None:
    """One layer on the parcels of ``rows`` (``parcel_id``, ``k`` and the tooltip columns)."""
    label = _labels(attrs)
    rows = rows.loc[is_in(rows["parcel_id"], label.index)]
    cols = {c: format_column(rows[c]) for c in rows.columns if c not in ("parcel_id", "k")}
    cols["k"] = list(rows["k"].astype(str))
    cols["id"] = format_column(rows["parcel_id"])
    book.ref(key, "parcels", list(rows["parcel_id"].map(label)), cols)
    styles = {k: _style(c, color=c, weight=1.5, opacity=0.6) for k, (c, _) in style.items()}
    styles["_"] = next(iter(styles.values()))
    legend = _legend(name, [_swatch(c, lab, border=c) for c, lab in style.values()], note)
    book.layer(name, key, key, [("id", label_zh("parcel_id")), *fields], styles, legend, show=False)


def _contract_rows(sv: Supervision) -> pd.DataFrame:
    c = sv.contracts
    if not len(c):
        return pd.DataFrame(columns=["parcel_id", "k"])
    b = sv.breaches
    texts = join_unique(b["parcel_id"], b["clause_text"], text_only=True) if len(b) else pd.Series()
    rank = {k: i for i, k in enumerate(CONTRACT_STYLE)}
    c = c.assign(_r=c["status"].map(rank)).sort_values(["parcel_id", "_r"], kind="stable")
    c = c.drop_duplicates("parcel_id")
    return pd.DataFrame(
        {
            "parcel_id": c["parcel_id"].astype(str),
            "k": c["status"].astype(str),
            "n": c["name"],
            "st": c["status_zh"],
            "dd": c["due_date"].dt.strftime("%Y-%m-%d"),
            "bc": c["breach_clauses_zh"],
            "bt": c["parcel_id"].astype(str).map(texts),
        }
    )


def _project_rows(sv: Supervision) -> pd.DataFrame:
    p = sv.projects
    if not len(p) or "parcel_id" not in p.columns:
        return pd.DataFrame(columns=["parcel_id", "k"])
    p = p.loc[p["parcel_id"].notna()].assign(parcel_id=lambda d: d["parcel_id"].astype(str))
    p = p.drop_duplicates("parcel_id")  # the most urgent project of a parcel (table order)
    nxt = p["next_planned"].dt.strftime("%Y-%m-%d").fillna("")
    return pd.DataFrame(
        {
            "parcel_id": p["parcel_id"],
            "k": p["status"].astype(str),
            "n": p["name"],
            "iv": p["investment_wan"] if "investment_wan" in p.columns else None,
            "st": p["status_zh"],
            "cn": p["current_node_zh"],
            "nn": (p["next_node_zh"].astype(str) + " " + nxt).str.strip(),
            "od": p["overdue_nodes_zh"],
            "dy": p["days_overdue"],
            "ru": p["responsible_unit"] if "responsible_unit" in p.columns else None,
        }
    )


def _policy_rows(sv: Supervision) -> pd.DataFrame:
    parts = []
    rh = sv.rental_housing
    if len(rh):
        pairs = rh.assign(parcel_id=rh["parcel_ids"].map(split_codes)).explode("parcel_id")
        parts.append(
            pd.DataFrame(
                {
                    "parcel_id": pairs["parcel_id"].astype(str),
                    "pk": "housing",
                    "t": "保障性租赁住房：" + pairs["basis"].astype(str) + "，企业可增配套用地"
                    + pairs["land_may_add_mu"].map("{:.1f}".format).astype(str) + "亩、建筑"
                    + pairs["floor_may_add_m2"].map("{:,.0f}".format).astype(str) + "平方米",
                }
            )
        )  # fmt: skip
    fu = sv.far_uplift
    if len(fu):
        parts.append(
            pd.DataFrame(
                {
                    "parcel_id": fu["parcel_id"].astype(str),
                    "pk": "far",
                    "t": "提容增效：容积率" + fu["far"].map("{:.2f}".format).astype(str) + "＜行业"
                    + fu["standard_far"].map("{:g}".format).astype(str) + "，可增建筑"
                    + fu["added_floor_m2"].map("{:,.0f}".format).astype(str) + "平方米",
                }
            )
        )  # fmt: skip
    lp = sv.land_price
    if len(lp) and "parcel_id" in lp.columns:
        q = lp.loc[lp["qualifies"].astype(bool) & lp["parcel_id"].notna()]
        parts.append(
            pd.DataFrame(
                {
                    "parcel_id": q["parcel_id"].astype(str),
                    "pk": "price",
                    "t": "差别化地价：" + q["name"].astype(str) + "，" + q["basis"].astype(str),
                }
            )
        )
    if not parts:
        return pd.DataFrame(columns=["parcel_id", "k"])
    allp = pd.concat(parts, ignore_index=True)
    g = allp.groupby("parcel_id", sort=True)
    kinds = g["pk"].nunique()
    first = g["pk"].first()
    return pd.DataFrame(
        {
            "parcel_id": kinds.index,
            "k": first.where(kinds == 1, "several").to_numpy(),
            "t": join_unique(allp["parcel_id"], allp["t"], text_only=True).reindex(kinds.index).to_numpy(),
        }
    )


def add_supervision(book: LayerBook, attrs: pd.DataFrame, sv: Supervision | None) -> None:
    """The 标准地履约, 挂图作战 and 政策适用 layers (hidden at first) from a
    :class:`~ruian_land.supervision.Supervision`; nothing when ``sv`` is None.

    ``attrs`` is the parcel attribute frame of the page (``parcel_id``, index = the labels of
    the ``parcels`` store); rows whose parcel is not drawn are left out (a project without a
    宗地代码 is in the 挂图作战 table only).
    """
    if sv is None:
        return
    as_of = sv.as_of.date().isoformat()
    _draw(
        book,
        attrs,
        "sv_contracts",
        LAYER_CONTRACTS,
        _contract_rows(sv),
        [
            ("n", "受让企业"),
            ("st", "履约状态"),
            ("dd", "约定达产日期"),
            ("bc", "违约条款"),
            ("bt", "约定值与实际值"),
        ],
        CONTRACT_STYLE,
        f"投资监管协议（规划§三(一)4），核查日{as_of}；亩均指标单位：万元/亩",
    )
    _draw(
        book,
        attrs,
        "sv_projects",
        LAYER_PROJECTS,
        _project_rows(sv),
        [
            ("n", "项目名称"),
            ("iv", "总投资(万元)"),
            ("st", "项目状态"),
            ("cn", "已完成节点"),
            ("nn", "下一节点(计划日期)"),
            ("od", "逾期节点"),
            ("dy", "逾期天数"),
            ("ru", "责任单位"),
        ],
        PROJECT_STYLE,
        f"总投资{sv.min_investment_wan / 10000:g}亿元以上制造业项目（规划§三(三)16），核查日{as_of}",
    )
    _draw(
        book,
        attrs,
        "sv_policies",
        LAYER_POLICIES,
        _policy_rows(sv),
        [("t", "适用政策与依据")],
        POLICY_STYLE,
        "规划§四(五)保障性租赁住房、§四(二)提容增效与差别化地价；面积单位：亩、平方米",
    )
