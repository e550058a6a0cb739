"""Optional project tables (read by ``io.load_inputs`` into ``inputs.other``), mapped and parsed."""

from __future__ import annotations

import pandas as pd

from ruian_land import io
from ruian_land.config import ProjectConfig
from ruian_land.core import map_columns

__all__ = ["optional_table"]


def optional_table(inputs: io.Inputs, cfg: ProjectConfig, kind: str) -> pd.DataFrame | None:
    """An optional project table (read by ``io.load_inputs`` into ``inputs.other``), mapped to the
    canonical columns of ``columns.SCHEMAS[kind]`` and parsed (units scaled); None when absent."""
    raw = inputs.other.get(kind)
    if raw is None:
        return None
    mapped = map_columns(
        raw,
        kind,
        source=str(cfg.path(kind)),
        extra_aliases=cfg.columns.get(kind),
        extra_scales=cfg.column_scales.get(kind),
    )
    parsed, _ = io.parse_columns(mapped, kind, input_name=kind)
    return parsed
