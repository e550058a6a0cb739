"""The summary table ``ruian-land run`` and ``export`` print."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table

from ruian_land.cli.app import console
from ruian_land.trajectory import final_year_rows

__all__ = ["floor_text", "print_summary"]


def _num_text(value: object, suffix: str = "") -> str:
    """A number for the summary table; '—' when missing (summary.json writes NaN as null)."""
    if value is None:
        return "—"
    return f"{float(value):,.2f}{suffix}"  # type: ignore[arg-type]


def floor_text(floor: dict | None) -> str | None:
    """What became of ``scenario.tax_per_mu_min`` (``summary.json`` ``scenario.tax_per_mu_floor``),
    e.g. ``'33.00: imposed, after 33.02, binds'``; None when no floor is set."""
    if not floor:
        return None
    g = f"{float(floor['floor']):.2f}"
    if floor.get("reason") == "beyond reach":
        bound = _num_text(floor.get("reachable"))
        return f"{g}: beyond reach of the scenario's levers (LP bound {bound}): not imposed"
    if floor.get("reason") == "already met":
        return f"{g}: already met (before {_num_text(floor.get('before'))})"
    state = "binds" if floor.get("binds") else ("does not bind" if floor.get("met") else "NOT met")
    return f"{g}: imposed, after {_num_text(floor.get('after'))}, {state}"


def _sites_text(s: dict) -> str:
    plan = s.get("park_plan") or {}
    short = plan.get("shortlisted")
    return f"{s['park_candidates']} / {short}" if short is not None else str(s["park_candidates"])


def print_summary(s: dict, out: Path, wall_s: float, peak_mb: float) -> None:
    sc = s["scenario"]
    cc = s["class_counts"]
    t = Table(title=f"{s['project']} — 腾笼换鸟 summary", show_header=True, header_style="bold")
    t.add_column("item")
    t.add_column("value", justify="right")
    rows = [
        (
            "宗地 parcels read / kept / rejected",
            f"{s['parcels_read']} / {s['parcels_kept']} / {s['parcels_rejected']}",
        ),
        (
            "企业 firms read / linked / unlinked",
            f"{s['enterprises_read']} / {s['enterprises_linked']} / {s['enterprises_unlinked']}",
        ),
        (
            "评价 classes A/B/C/D / exempt / unrated",
            " / ".join(str(cc.get(k, 0)) for k in ("A", "B", "C", "D", "exempt", "unrated")),
        ),
        ("低效 low-efficiency parcels", str(s["low_efficiency_parcels"])),
        ("闲置 idle parcels", str(s["idle_parcels"])),
        ("腾出 freed land (亩) / target", f"{sc['freed_area_mu']:,.1f} / {sc['target_area_mu']:,.0f}"),
        ("腾出用能 energy (tce)", f"{sc['freed_energy_tce']:,.0f}"),
        ("减碳 CO₂ (t)", f"{sc['co2_reduction_t']:,.0f}"),
        ("淘汰 / 整治 firms exited / upgraded", f"{sc['firms_exited']} / {sc['firms_upgraded']}"),
        (
            "规上亩均税收 before → after clearance (万元/亩)",
            f"{_num_text(sc.get('tax_per_mu_before'))} → {_num_text(sc.get('tax_per_mu_after_clearance_only'))}",
        ),
        (
            "  … and after re-letting freed land as 标准地",
            f"{_num_text(sc.get('tax_per_mu_after'))} (target {s.get('target_tax_per_mu')})",
        ),
        (
            "  亩均税收 new projects would need to reach the target",
            _num_text(sc.get("reuse_tax_per_mu_needed"), " 万元/亩 on the freed land"),
        ),
        *(
            [("亩均税收底线 (scenario.tax_per_mu_min)", text)]
            if (text := floor_text(sc.get("tax_per_mu_floor"))) is not None
            else []
        ),
        (
            "scenario's land / energy / CO₂ / firm-count targets",
            "met (the other §二 targets: rows below)"
            if sc["feasible"]
            else "NOT met (see summary.json scenario.messages_zh)",
        ),
        ("小微企业园 candidate sites / shortlist", _sites_text(s)),
        *final_year_rows(s.get("trajectory")),
    ]
    for msg in sc.get("messages_zh", [])[:5] if not sc["feasible"] else []:
        rows.append(("  ⚠", str(msg)))
    for k, v in rows:
        t.add_row(k, v)
    console.print(t)
    console.print(
        f"Wrote {out}/ (summary.json, maps/, exports/, qa/"
        f"{', scenario/' if (out / 'scenario').is_dir() else ''}) in {wall_s:.1f} s, "
        f"peak memory {peak_mb:,.0f} MB"
    )
