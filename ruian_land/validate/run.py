"""Validation of a project's inputs, the entry point :func:`validate_inputs`: geometry repair, code
checks (统一社会信用代码), duplicates, the firm merge, and a ledger entry for every row that is not simply
kept (CONTRACTS §2 ``validate``).

Nothing is merged or dropped silently: a duplicate code with different values keeps the first
row and rejects the others, naming both values; a code that fails its check character is kept
and flagged; a table row whose firm is not in the registry is rejected with that reason.

Where the checks live: parcels :mod:`ruian_land.validate.parcels`; the firm merge
:mod:`ruian_land.validate.firms`; leases :mod:`ruian_land.validate.leases`; geocoded points
:mod:`ruian_land.validate.points`; checks shared by every table :mod:`ruian_land.validate.rows`;
geometry repair and overlaps :mod:`ruian_land.validate.geometry`; whole-table checks
:mod:`ruian_land.validate.checks`; the result type :mod:`ruian_land.validate.result`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt

import geopandas as gpd
import pandas as pd

from ruian_land.core import PARALLEL_MIN_ITEMS, Ledger, LedgerEvent, cores, start_forked
from ruian_land.io import FIRM_TABLES, Inputs, numeric_code_mask
from ruian_land.rules import RuleSet, load_rules
from ruian_land.validate.checks import (
    blank_future_dates,
    check_numeric_codes,
    check_tax_coverage,
    note_missing_records,
)
from ruian_land.validate.firms import merge_firms
from ruian_land.validate.geometry import repair_polygons
from ruian_land.validate.leases import validate_leases
from ruian_land.validate.parcels import validate_parcels
from ruian_land.validate.points import validate_points
from ruian_land.validate.result import Clean

__all__ = ["validate_inputs"]


def _code_counts(inputs: Inputs) -> dict[str, int]:
    """统一社会信用代码 that Excel would turn into numbers (digits only, or already in scientific
    notation) per ``input.column``: the denominator of the numeric-code share (codes with letters
    stay text in Excel, so they say nothing about the column's format)."""
    out: dict[str, int] = {}
    for name, frame in inputs.frames().items():
        for col in ("uscc", "owner_uscc"):
            if col in frame.columns:
                out[f"{name}.{col}"] = int(numeric_code_mask(frame[col]).sum())
    return out


def _split_validation(inputs: Inputs) -> bool:
    """Validate parcels and merge firms at the same time: two cores and enough rows to pay for
    the fork and for sending the firm frame back."""
    rows = len(inputs.parcels) + len(inputs.registry)
    return cores() >= 2 and rows >= 2 * PARALLEL_MIN_ITEMS


def validate_inputs(
    inputs: Inputs,
    ledger: Ledger | None = None,
    *,
    rules: RuleSet | None = None,
    as_of: dt.date | str | pd.Timestamp | None = None,
) -> Clean:
    """Validate every input of a project and fill the ledger.

    Parameters
    ----------
    inputs : Inputs
        From :func:`ruian_land.io.load_inputs`.
    ledger : Ledger, optional
        Filled in place (a new one when omitted); ``rows_in`` is declared here for every input.
    rules : RuleSet, optional
        Default :func:`ruian_land.rules.load_rules`; uses ``qa.*`` (recorded-area tolerance,
        sliver sizes, ``qa.numeric_code_share_max``, ``qa.min_tax_match_share``).
    as_of : date, optional
        The evaluation date: dates of past events after it (供地日期, 实际开工, 成立日期 …,
        :data:`~ruian_land.validate.checks.PAST_DATE_COLUMNS`) are read as not given, each in the
        ledger (``future_date``). Without it they are not checked.

    Returns
    -------
    Clean
        Validated frames; for every input ``ledger.summary()[input]['kept']`` equals the rows
        that came out (checked), and rows dropped while reading (合计 totals rows, notes) are
        counted as rejected. The ledger knows each file's first data line, so its
        ``file_row`` is the row a planner sees in Excel; it also lists, per side table, the
        firms that table has no row for (:func:`ruian_land.validate.checks.note_missing_records`).

    Raises
    ------
    InputError
        A code column that went through an Excel number
        (:func:`ruian_land.validate.checks.check_numeric_codes`), or a tax table matching fewer
        than ``qa.min_tax_match_share`` of the registry
        (:func:`ruian_land.validate.checks.check_tax_coverage`).
    """
    led = ledger if ledger is not None else Ledger()
    rules = rules if rules is not None else load_rules()
    for name, frame in inputs.frames().items():
        n_dropped = int((inputs.dropped["input"] == name).sum())
        led.rows_in(name, inputs.rows_in.get(name, len(frame) + n_dropped))
        meta = inputs.meta.get(name, {})
        if meta.get("path") is not None:
            led.set_file(name, meta["path"], first_data_line=meta.get("first_data_line"))
    for d in inputs.dropped.to_dict("records"):
        led.record(str(d["input"]), int(d["row"]), None, str(d["problem"]), "rejected", str(d["detail"]))
    for d in inputs.issues.to_dict("records"):
        action = d.get("action") if d.get("action") in ("kept", "repaired") else "kept"
        led.record(str(d["input"]), d["row"], d["column"], str(d["problem"]), str(action), str(d["detail"]))
    check_numeric_codes(inputs.issues, _code_counts(inputs), rules, meta=inputs.meta)
    if as_of is not None:
        day = pd.Timestamp(as_of)
        inputs = dataclasses.replace(
            inputs,
            parcels=blank_future_dates(inputs.parcels, "parcels", day, led, inputs.meta),
            registry=blank_future_dates(inputs.registry, "registry", day, led, inputs.meta),
        )
    keep = inputs.meta.get("parcels", {}).get("duplicates") or "first"  # sources.parcels.duplicates
    n_before = len(led.events)

    def firm_side() -> tuple[pd.DataFrame, list[LedgerEvent]]:
        merged = merge_firms(inputs, led, rules)
        check_tax_coverage(merged, rules, meta=inputs.meta)
        note_missing_records(merged, led, {n: getattr(inputs, n) is not None for n in FIRM_TABLES[1:]})
        return merged, led.events_since(n_before)

    # the firm merge in a forked process while this one validates the parcels: the same frames,
    # and the same ledger, parcels' events first (neither side reads the other's events)
    forked = start_forked(firm_side) if _split_validation(inputs) else None
    try:
        parcels = validate_parcels(inputs.parcels, led, rules, duplicates=str(keep))
        led.check_kept("parcels", len(parcels))
    except BaseException:
        if forked is not None:
            with contextlib.suppress(Exception):
                forked()
        raise
    if forked is None:
        firms, _ = firm_side()
    else:
        firms, events = forked()
        led.add_events(events)
    leases = validate_leases(inputs.leases, parcels, firms, led)
    if inputs.leases is not None:
        led.check_kept("leases", len(leases))
    layers: dict[str, gpd.GeoDataFrame | None] = {}
    for name in ("control_lines", "towns", "boundary"):
        layer = getattr(inputs, name)
        layers[name] = None if layer is None else repair_polygons(layer, name, led, polygonize_lines=True)
        if layer is not None:
            led.check_kept(name, len(layers[name]))  # type: ignore[arg-type]
    points = getattr(inputs, "points", None)
    if points is not None:
        valid_points = validate_points(points, firms, led)
        led.check_kept("points", len(valid_points))
        layers["points"] = valid_points
    return Clean(
        parcels=parcels,
        firms=firms,
        leases=leases,
        ledger=led,
        built_up=inputs.built_up,
        meta=inputs.meta,
        **layers,
    )
