"""Wall time and peak memory of each stage of a run (``summary.json`` ``stages``).

A :class:`StageClock` is started at the top of a stage and :meth:`StageClock.lap` is called after
each step: it records the step's seconds, the process's peak resident memory so far
(``resource.getrusage(RUSAGE_SELF).ru_maxrss``, a running high-water mark) and how much the step
raised that peak. A step that allocates less than an earlier one raises the peak by 0 MB: the
increase says which step set the high-water mark, not how much the step allocated.
"""

from __future__ import annotations

import sys
import time
from typing import Any

try:  # not on Windows: peak memory is then None
    import resource
except ImportError:  # pragma: no cover - Windows
    resource = None  # type: ignore[assignment]

__all__ = ["StageClock", "StageUsage", "merged", "peak_rss_mb"]

#: One step's figures: ``seconds``, ``peak_rss_mb``, ``peak_rss_increase_mb`` (MB = 2**20 bytes).
StageUsage = dict[str, float | None]


def peak_rss_mb() -> float | None:
    """The process's peak resident memory so far, in MB (2**20 bytes); None where unknown.

    ``ru_maxrss`` is in KiB on Linux and in bytes on macOS.
    """
    if resource is None:  # pragma: no cover - Windows
        return None
    peak = float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024


class StageClock:
    """Times the steps of a stage and records the peak memory after each.

    Attributes
    ----------
    usage : dict of str to dict
        Step name → ``{"seconds", "peak_rss_mb", "peak_rss_increase_mb"}``, in the order timed.

    Examples
    --------
    >>> clock = StageClock()
    >>> _ = sum(range(10))
    >>> clock.lap("sum") >= 0
    True
    >>> sorted(clock.usage["sum"])
    ['peak_rss_increase_mb', 'peak_rss_mb', 'seconds']
    """

    def __init__(self) -> None:
        self.usage: dict[str, StageUsage] = {}
        self._t = time.perf_counter()
        self._peak = peak_rss_mb()

    def lap(self, name: str) -> float:
        """Record the step ``name`` (since the last lap, or since the clock started).

        Returns
        -------
        float
            The step's seconds, rounded to ms (as in ``timings_s``).
        """
        now, peak = time.perf_counter(), peak_rss_mb()
        seconds = round(now - self._t, 3)
        increase = None if peak is None or self._peak is None else round(max(peak - self._peak, 0.0), 1)
        self.usage[name] = {
            "seconds": seconds,
            "peak_rss_mb": None if peak is None else round(peak, 1),
            "peak_rss_increase_mb": increase,
        }
        self._t, self._peak = now, peak
        return seconds

    def seconds(self) -> dict[str, float]:
        """Step name → seconds (the stage's ``seconds`` dict)."""
        return {k: float(v["seconds"] or 0.0) for k, v in self.usage.items()}


def merged(*usages: dict[str, Any]) -> dict[str, StageUsage]:
    """The usage dicts of several stages, in order (a later step of the same name wins)."""
    out: dict[str, StageUsage] = {}
    for u in usages:
        out.update(u)
    return out
