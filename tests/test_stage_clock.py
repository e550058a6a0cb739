"""Stage timings and peak memory (``summary.json`` ``stages``, :mod:`ruian_land.pipeline.clock`)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ruian_land.pipeline import clock


def test_lap_records_the_running_peak_and_the_steps_increase(monkeypatch: pytest.MonkeyPatch) -> None:
    peaks: Iterator[float] = iter([100.0, 150.04, 150.04, 230.0])
    times: Iterator[float] = iter([10.0, 12.5, 12.75, 20.0])
    monkeypatch.setattr(clock, "peak_rss_mb", lambda: next(peaks))
    monkeypatch.setattr(clock.time, "perf_counter", lambda: next(times))
    c = clock.StageClock()  # at 10 s, peak 100 MB
    assert c.lap("read") == 2.5
    assert c.lap("validate") == 0.25
    assert c.lap("link") == 7.25
    assert c.usage == {
        "read": {"seconds": 2.5, "peak_rss_mb": 150.0, "peak_rss_increase_mb": 50.0},
        "validate": {"seconds": 0.25, "peak_rss_mb": 150.0, "peak_rss_increase_mb": 0.0},
        "link": {"seconds": 7.25, "peak_rss_mb": 230.0, "peak_rss_increase_mb": 80.0},
    }
    assert c.seconds() == {"read": 2.5, "validate": 0.25, "link": 7.25}
    assert list(clock.merged({"a": {"seconds": 1.0}}, {"b": {"seconds": 2.0}})) == ["a", "b"]


@pytest.mark.skipif(sys.platform == "win32", reason="no resource module on Windows")
def test_a_step_allocating_200_mb_raises_the_peak_by_about_that(tmp_path: Path) -> None:
    code = (
        "import json, numpy as np\n"
        "from ruian_land.pipeline.clock import StageClock\n"
        "c = StageClock()\n"
        "a = np.ones(200 * 2**20 // 8)\n"  # 200 MB, every page touched
        "c.lap('big')\n"
        "del a\n"
        "c.lap('after')\n"
        "print(json.dumps(c.usage))\n"
    )
    script = tmp_path / "alloc.py"
    script.write_text(code, encoding="utf-8")
    # Linux carries a process's peak RSS over fork + exec: started straight from this (large) test
    # process the child would begin at its peak. A child forked by a small shell starts afresh.
    out = subprocess.run(
        ["sh", "-c", '"$0" "$1" & wait', sys.executable, str(script)],
        capture_output=True,
        text=True,
        check=True,
    )
    usage = json.loads(out.stdout)
    assert 175 <= usage["big"]["peak_rss_increase_mb"] <= 215  # freed pages may be reused
    assert usage["after"]["peak_rss_increase_mb"] == 0.0  # freed memory does not lower the peak
    assert usage["after"]["peak_rss_mb"] == usage["big"]["peak_rss_mb"]
