"""What a stage needs from its input, checked before it starts (never a KeyError from inside).

Every public stage function calls :func:`require_columns` on the frames it is given; a frame
without the columns it needs raises :class:`~ruian_land.core.errors.StageInputError` naming all
the missing columns at once, the frame, the stage that needs them and the stage that makes them.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from ruian_land.core.errors import StageInputError

__all__ = ["MADE_BY", "require_columns"]

#: Where a column comes from, for the message: column → the stage (and function) that makes it.
MADE_BY: dict[str, str] = {
    "parcel_id": "ingest (ruian_land.io.load_inputs maps 宗地代码 → parcel_id; or ruian_land.core.map_columns)",
    "uscc": "ingest (ruian_land.io.load_inputs maps 统一社会信用代码 → uscc; or ruian_land.core.map_columns)",
    "area_mu": "ingest (ruian_land.io.read_parcels adds area_mu)",
    "land_area_mu": "link (ruian_land.link.link_firms_to_parcels / firm_land)",
    "land_share": "link (ruian_land.link.link_firms_to_parcels)",
    "energy_tce_calorific": "evaluate (ruian_land.evaluation.energy_tce)",
    "energy_tce_primary": "evaluate (ruian_land.evaluation.energy_tce)",
    "tax_per_mu": "evaluate (ruian_land.evaluation.compute_indicators)",
    "eval_class": "evaluate (ruian_land.evaluation.evaluate)",
    "score_total": "evaluate (ruian_land.evaluation.evaluate)",
    "is_low_efficiency": "screen (ruian_land.screening.screen)",
    "is_idle": "screen (ruian_land.screening.screen)",
    "flagged": "screen (ruian_land.screening.screen)",
    "remedy": "simulate (ruian_land.scenario.optimise)",
    "site_id": "parks (ruian_land.parks.candidate_sites)",
}


def require_columns(
    frame: pd.DataFrame, columns: Iterable[str], *, frame_name: str, stage: str, made_by: str | None = None
) -> None:
    """Raise if ``frame`` lacks any of ``columns``, naming them all at once.

    Parameters
    ----------
    frame : DataFrame
        The input to check (any index; only the column labels are read).
    columns : iterable of str
        The columns the stage needs.
    frame_name : str
        What the frame is, for the message (e.g. ``"firms"``).
    stage : str
        The stage or function that needs them (e.g. ``"screen"``).
    made_by : str, optional
        The stage that makes them, when the same for all; else each column's :data:`MADE_BY` entry.

    Raises
    ------
    StageInputError
        Some columns are missing (or ``frame`` is not a DataFrame); the message lists every missing
        column and where it comes from.
    """
    if not isinstance(frame, pd.DataFrame):
        raise StageInputError(
            f"{stage} needs a table (DataFrame) as '{frame_name}', got {type(frame).__name__}",
            fix=f"pass the '{frame_name}' frame of the previous stage's result",
        )
    missing = [c for c in columns if c not in frame.columns]
    if not missing:
        return
    if made_by is not None:
        origin = f"they are made by the {made_by} stage"
    else:
        origin = "; ".join(f"{c} comes from {MADE_BY.get(c, 'the input tables')}" for c in missing)
    raise StageInputError(
        f"{stage} needs column(s) {', '.join(missing)}, missing from '{frame_name}': {origin}",
        column=", ".join(missing),
        fix="run the stages in order (ruian_land.Project.from_config(...) chains them), or pass the "
        "frame that stage returns",
    )
