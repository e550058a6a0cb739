"""The explanations written by two processes are those one process writes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ruian_land.evaluation import run as evaluation_run
from ruian_land.pipeline import stages

PROJECT = Path(__file__).resolve().parents[1] / "data" / "project.yaml"


@pytest.mark.skipif(not PROJECT.exists(), reason="sample county not present")
def test_explanations_in_two_processes_are_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    ingested = stages.ingest(PROJECT)
    results = []
    for split in (False, True):
        monkeypatch.setattr(evaluation_run, "_split_explanations", lambda n, split=split: split)
        results.append(stages.evaluate(ingested).firms)
    one, two = results
    pd.testing.assert_frame_equal(one, two, check_exact=True)
    rated = one["eval_class"].isin(["A", "B", "C", "D"])
    assert rated.sum() > 100 and one["explanation"].str.len().gt(0).all()
