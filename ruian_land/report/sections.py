"""Sections of the leadership report built from ``summary.json``: header, targets, classes, data
quality and rules.

Each function returns one ``<section>`` (HTML text); every value from data is escaped by
:func:`~ruian_land.report.format.table_html` or :func:`~ruian_land.report.format.esc`. Target values
are read from the summary (``scenario.targets``, ``scenario.target_*``), never written here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from ruian_land.core import INPUTS_ZH
from ruian_land.evaluation import STATUSES
from ruian_land.maps import CLASS_STYLE
from ruian_land.report.figures import class_chart
from ruian_land.report.format import MISSING, Cell, esc, format_number, table_html, to_float

__all__ = [
    "CLASS_LABELS",
    "RULE_STATUS_ZH",
    "TARGET_ROWS",
    "classes_section",
    "header_section",
    "quality_section",
    "rules_section",
    "section",
    "target_status",
    "targets_section",
]

#: Class key → label in the report (A–D as on the map legend).
CLASS_LABELS: dict[str, str] = {
    **{k: CLASS_STYLE[k][1] for k in ("A", "B", "C", "D")},
    "exempt": "免评（豁免不参评）",
    "unrated": "未评（数据不全）",
}
#: Rule status → Chinese.
RULE_STATUS_ZH: dict[str, str] = {
    "plan": "规划文件",
    "confirmed": "已核实文件",
    "secondary": "二手资料",
    "assumption": "假设（待确认）",
    "user": "本地设定",
    "data": "本地数据测算",
}
#: Scenario totals compared with their targets: (key, indicator, unit, decimals).
TARGET_ROWS: tuple[tuple[str, str, str, int], ...] = (
    ("freed_area_mu", "腾出低效工业用地", "亩", 1),
    ("freed_energy_tce", "腾出用能", "吨标准煤", 0),
    ("co2_reduction_t", "减少二氧化碳排放", "吨CO₂", 0),
    ("firms_exited", "淘汰落后产能企业", "家", 0),
    ("firms_upgraded", "整治提升企业", "家", 0),
)
#: Per-亩 figures of 规上 firms: (key, indicator, unit, decimals); before/after/target in the summary.
_PER_MU_ROWS: tuple[tuple[str, str, str, int], ...] = (
    ("tax_per_mu", "规上企业亩均税收", "万元/亩", 1),
    ("value_added_per_mu", "规上企业亩均增加值", "万元/亩", 1),
)
_TOLERANCE = 1e-9


def section(ident: str, title: str, body: str, *, cls: str = "") -> str:
    """A ``<section>`` with an ``<h2>`` title (``title`` is escaped, ``body`` is HTML).

    Parameters
    ----------
    ident : str
        The section's ``id``.
    title : str
        Its heading (plain text).
    body : str
        Its content (HTML, already escaped).
    cls : str
        Extra CSS class (``"long"`` lets a long table break across pages).

    Returns
    -------
    str
    """
    extra = f' class="{esc(cls)}"' if cls else ""
    return f'<section id="{esc(ident)}"{extra}><h2>{esc(title)}</h2>{body}</section>'


def _para(text: str, cls: str = "note") -> str:
    return f'<p class="{esc(cls)}">{esc(text)}</p>'


def header_section(summary: Mapping[str, Any]) -> str:
    """Title, project, 评价年度 and the run's headline figures.

    Parameters
    ----------
    summary : mapping
        The ``summary.json`` dict (``project``, ``data_year``, ``evaluation_date``, counts).

    Returns
    -------
    str
        A ``<header>`` element.
    """
    project = summary.get("project") or MISSING
    rules = summary.get("rules") or []
    meta = [
        ("项目", project),
        ("评价年度", f"{summary.get('data_year', MISSING)}年"),
        ("评价基准日", summary.get("evaluation_date", MISSING)),
        ("规则预设", "、".join(str(r) for r in rules) if rules else MISSING),
    ]
    facts = [
        ("工业宗地", f"{format_number(summary.get('parcels_kept'), 0)} 宗"),
        ("用地面积", f"{format_number(summary.get('parcels_area_mu'), 1)} 亩"),
        ("名录企业", f"{format_number(summary.get('enterprises_read'), 0)} 家"),
        ("低效宗地", f"{format_number(summary.get('low_efficiency_parcels'), 0)} 宗"),
        ("闲置宗地", f"{format_number(summary.get('idle_parcels'), 0)} 宗"),
        ("小微企业园候选地块", f"{format_number(summary.get('park_candidates'), 0)} 处"),
    ]
    dl = "".join(f'<div><dt>{esc(k)}</dt><dd data-key="{esc(k)}">{esc(v)}</dd></div>' for k, v in meta)
    tiles = "".join(f'<div class="fact"><b>{esc(v)}</b><span>{esc(k)}</span></div>' for k, v in facts)
    return (
        f'<header id="title"><h1>{esc(project)}</h1>'
        '<p class="subtitle">工业用地亩均效益评价与“腾笼换鸟”工作领导小组汇报</p>'
        f'<dl class="meta">{dl}</dl><div class="facts">{tiles}</div></header>'
    )


def target_status(actual: Any, target: Any) -> tuple[str, str]:
    """达成 / 未达成 (or 无目标 / 无数据) and its CSS class.

    Parameters
    ----------
    actual, target : number or None
        The scenario's value and the target.

    Returns
    -------
    (str, str)
        Chinese status and ``"ok"`` / ``"bad"`` / ``""``.
    """
    a, t = to_float(actual), to_float(target)
    if t is None:
        return "无目标", ""
    if a is None:
        return "无数据", "bad"
    return ("达成", "ok") if a >= t - _TOLERANCE * max(1.0, abs(t)) else ("未达成", "bad")


def _target_of(scenario: Mapping[str, Any], summary: Mapping[str, Any], key: str) -> Any:
    targets = scenario.get("targets") or {}
    for value in (
        targets.get(key),
        scenario.get(f"target_{key}"),
        scenario.get("target_area_mu") if key == "freed_area_mu" else None,
        summary.get(f"target_{key}"),
    ):
        if to_float(value) is not None:
            return value
    return None


def _closed_of(progress: pd.DataFrame | None, key: str) -> Any:
    if progress is None or "target_key" not in progress or "closed" not in progress:
        return None
    hit = progress.loc[progress["target_key"] == key, "closed"]
    return None if hit.empty else hit.iloc[0]


def targets_section(summary: Mapping[str, Any], progress: pd.DataFrame | None = None) -> str:
    """目标对照: the scenario's totals and 规上 per-亩 figures against the targets of the summary.

    Parameters
    ----------
    summary : mapping
        The ``summary.json`` dict (reads ``scenario``).
    progress : DataFrame, optional
        ``rectification_summary["progress"]`` (``target_key``, ``closed``): what is already 销号.

    Returns
    -------
    str
    """
    sc: Mapping[str, Any] = summary.get("scenario") or {}
    columns = [
        ("indicator", "指标"),
        ("unit", "单位"),
        ("target", "目标值"),
        ("before", "整治前"),
        ("actual", "方案结果"),
        ("share", "完成比例"),
        ("closed", "已销号"),
        ("status", "状态"),
    ]
    rows, keys = [], []
    for key, name, unit, digits in TARGET_ROWS:
        target, actual = _target_of(sc, summary, key), sc.get(key)
        status, cls = target_status(actual, target)
        t, a = to_float(target), to_float(actual)
        share = a / t if a is not None and t else None
        closed = _closed_of(progress, key)
        rows.append(
            [
                name,
                unit,
                Cell.number(target, digits),
                Cell(MISSING),
                Cell.number(actual, digits),
                Cell.share(share),
                Cell.number(closed, digits) if closed is not None else Cell(MISSING),
                Cell(status, cls=cls),
            ]
        )
        keys.append(key)
    for key, name, unit, digits in _PER_MU_ROWS:
        target = _target_of(sc, summary, key)
        before, actual = sc.get(f"{key}_before"), sc.get(f"{key}_after")
        status, cls = target_status(actual, target)
        t, a = to_float(target), to_float(actual)
        share = a / t if a is not None and t else None
        row = [name, unit, Cell.number(target, digits), Cell.number(before, digits)]
        row += [Cell.number(actual, digits), Cell.share(share), Cell(MISSING), Cell(status, cls=cls)]
        rows.append(row)
        keys.append(key)
    notes = [str(m) for m in sc.get("messages_zh") or []]
    clear_only = sc.get("tax_per_mu_after_clearance_only")
    if to_float(clear_only) is not None:
        notes.append(
            f"规上企业亩均税收：仅腾退、不计腾出土地再利用时为 {format_number(clear_only)} 万元/亩；"
            f"方案结果按腾出土地作为标准地再利用测算。"
        )
    needed, tgt = sc.get("reuse_tax_per_mu_needed"), _target_of(sc, summary, "tax_per_mu")
    if to_float(needed) is not None and to_float(tgt) is not None:
        notes.append(
            f"规上企业亩均税收要达到目标 {format_number(tgt)} 万元/亩，腾出土地上新项目的亩均税收"
            f"需达到 {format_number(needed)} 万元/亩。"
        )
    notes.append("“方案结果”为优化测算的计划值，“已销号”为整治清单中已完成销号的实际值。")
    body = table_html(columns, rows, keys=keys, table_id="targets-table")
    body += "".join(_para(n) for n in notes)
    return section("targets", "一、目标对照", body)


def classes_section(summary: Mapping[str, Any], firms: pd.DataFrame, *, top_firms: int = 10) -> str:
    """亩均效益评价分类: firms per class (from the summary), a bar chart and the weakest D-class firms.

    Parameters
    ----------
    summary : mapping
        The ``summary.json`` dict (reads ``class_counts``).
    firms : DataFrame
        One row per firm with ``eval_class``, ``name``, ``town``, ``tax_per_mu``, ``land_area_mu``.
    top_firms : int
        How many D-class firms (lowest 亩均税收 first) to list; 0 for none.

    Returns
    -------
    str
    """
    raw = summary.get("class_counts") or {}
    order = [k for k in STATUSES if k in raw] + [k for k in raw if k not in STATUSES]
    counts = {k: int(raw[k]) for k in order}
    total = sum(counts.values())
    columns = [("class", "评价类别"), ("count", "企业数（家）"), ("share", "占比")]
    rows: list[list[Any]] = [
        [CLASS_LABELS.get(k, k), Cell.number(v, 0), Cell.share(v / total if total else None)]
        for k, v in counts.items()
    ]
    rows.append(["合计", Cell.number(total, 0), Cell.share(1.0 if total else None)])
    body = '<div class="two-col">'
    body += table_html(columns, rows, keys=[*counts, "total"], table_id="class-table")
    body += f'<figure class="chart">{class_chart(counts, CLASS_LABELS)}</figure></div>'
    if top_firms > 0 and "eval_class" in firms and "tax_per_mu" in firms:
        d = firms[firms["eval_class"] == "D"].sort_values("tax_per_mu", kind="stable").head(top_firms)
        if len(d):
            cols = [("name", "企业名称"), ("town", "所在乡镇"), ("tax_per_mu", "亩均税收（万元/亩）")]
            cols += [("land_area_mu", "用地面积（亩）"), ("score_total", "综合得分")]
            frows = [
                [
                    r.get("name", MISSING),
                    r.get("town", MISSING),
                    Cell.number(r.get("tax_per_mu"), 2),
                    Cell.number(r.get("land_area_mu"), 1),
                    Cell.number(r.get("score_total"), 1),
                ]
                for r in d.to_dict(orient="records")
            ]
            body += table_html(
                cols,
                frows,
                table_id="d-firms",
                caption=f"D类企业中亩均税收最低的{len(d)}家",
            )
    return section("classes", "二、亩均效益评价分类", body)


def quality_section(ledger_summary: Mapping[str, Mapping[str, Any]], summary: Mapping[str, Any]) -> str:
    """数据质量: rows read, kept (of which repaired) and rejected per input file.

    Parameters
    ----------
    ledger_summary : mapping
        ``Ledger.summary()``: input name → ``{rows_in, kept, repaired, rejected}``.
    summary : mapping
        The ``summary.json`` dict (firms linked / unlinked to parcels).

    Returns
    -------
    str
    """
    columns = [
        ("input", "数据来源"),
        ("rows_in", "读入行数"),
        ("kept", "保留"),
        ("repaired", "其中修复"),
        ("rejected", "剔除"),
        ("rejected_share", "剔除比例"),
        ("check", "行数核对"),
    ]
    rows = []
    for name, c in ledger_summary.items():
        n_in, kept, rej = (to_float(c.get(k)) for k in ("rows_in", "kept", "rejected"))
        balanced = None not in (n_in, kept, rej) and n_in == (kept or 0) + (rej or 0)
        rows.append(
            [
                INPUTS_ZH.get(name, name),
                Cell.number(n_in, 0),
                Cell.number(kept, 0),
                Cell.number(c.get("repaired"), 0),
                Cell.number(rej, 0),
                Cell.share(rej / n_in if n_in and rej is not None else None, 2),
                Cell("一致", cls="ok") if balanced else Cell("不一致", cls="bad"),
            ]
        )
    body = table_html(columns, rows, keys=list(ledger_summary), table_id="ledger-table")
    linked, unlinked = summary.get("enterprises_linked"), summary.get("enterprises_unlinked")
    if linked is not None:
        body += _para(
            f"企业与宗地关联：已关联 {format_number(linked, 0)} 家，未关联 {format_number(unlinked, 0)} 家"
            "（未关联企业不参与亩均评价）。剔除与修复的逐行明细见 qa/ 数据质量报告。"
        )
    return section("quality", "五、数据质量", body)


def rules_section(rules_frame: pd.DataFrame) -> str:
    """规则及其状态: every rule key with value, unit, status and source.

    Parameters
    ----------
    rules_frame : DataFrame
        ``RuleSet.to_frame()``: ``key``, ``value``, ``unit``, ``status``, ``source``.

    Returns
    -------
    str
    """
    columns = [("key", "键"), ("value", "值"), ("unit", "单位"), ("status", "状态"), ("source", "来源")]
    rows = []
    for r in rules_frame.to_dict(orient="records"):
        status = str(r.get("status", ""))
        cls = "bad" if status == "assumption" else ""
        rows.append(
            [
                r.get("key"),
                r.get("value"),
                r.get("unit"),
                Cell(RULE_STATUS_ZH.get(status, status), cls=cls),
                r.get("source"),
            ]
        )
    counts = rules_frame["status"].value_counts() if "status" in rules_frame else pd.Series(dtype=int)
    parts = "，".join(f"{RULE_STATUS_ZH.get(str(k), str(k))} {int(v)} 条" for k, v in counts.items())
    intro = _para(f"本次运行使用规则共 {len(rules_frame)} 条：{parts}。标为“假设”的取值需有关部门确认。")
    body = intro + table_html(columns, rows, keys=list(rules_frame.get("key", [])), table_id="rules-table")
    return section("rules", "六、规则及其状态", body, cls="long")
