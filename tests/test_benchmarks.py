"""Smoke run of ``benchmarks/run.py`` on a small province set: every stage timed on both sides.

Times are judged in the benchmark (``benchmarks/RESULTS.md``), not here: this only checks that the
command runs end to end and reports a numeric ours/baseline ratio for each stage.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("read", "validate", "link", "evaluate", "screen", "scenario", "parks", "map", "write")


@pytest.mark.slow
def test_benchmark_reports_every_stage_with_a_ratio(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    cmd = [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--sizes", "1500", "--data", str(tmp_path)]
    proc = subprocess.run(
        [*cmd, "--json", str(out), "--max-rss-gb", "6"], capture_output=True, text=True, cwd=ROOT, timeout=900
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    (result,) = json.loads(out.read_text(encoding="utf-8"))
    assert not result["notes"], result["notes"]
    assert 1_000 < result["parcels"] < 2_500
    rows = {r["stage"]: r for r in result["stages"]}
    for stage in STAGES:
        row = rows[stage]
        for key in ("ours_s", "baseline_s", "ours_mb", "baseline_mb"):
            assert isinstance(row[key], float | int) and row[key] > 0, (stage, key, row)
    assert {"read mix (shp+xlsx+csv)", "read parcels shp (pyogrio)", "read parcels shp (fiona)"} <= set(rows)
    # the printed markdown table has one line per stage with both ratios as numbers
    lines = {
        line.split("|")[2].strip(): line for line in proc.stdout.splitlines() if line.startswith("| 1500")
    }
    for stage in STAGES:
        cells = [c.strip() for c in lines[stage].split("|")[1:-1]]
        assert float(cells[4]) > 0 and float(cells[7]) > 0, lines[stage]
    assert result["through_screen_s"] > 0 and result["whole_run_s"] >= result["through_screen_s"]
