"""Vectorised work split over the machine's cores in threads.

shapely 2's vectorised operations (``intersection``, ``set_precision``, ``make_valid`` …) and
most numpy kernels release the GIL, so contiguous slices of their input arrays run at the same
time in threads of one process: no pickling, no extra memory beyond the slices' results, and
the concatenated result is identical to the one-call result.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np

__all__ = ["PARALLEL_MIN_ITEMS", "cores", "map_slices"]

#: Items from which :func:`map_slices` splits the work (below it threads cost more than they
#: save; a tuning constant of this module, not a policy rule).
PARALLEL_MIN_ITEMS: int = 10_000


def cores() -> int:
    """Cores this process may run on (``sched_getaffinity``, else ``os.cpu_count()``)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def map_slices(
    fn: Callable[..., np.ndarray],
    *arrays: np.ndarray,
    workers: int | None = None,
    **kwargs: Any,
) -> np.ndarray:
    """``fn(*arrays, **kwargs)`` computed on contiguous slices in threads, concatenated.

    Parameters
    ----------
    fn : callable
        An element-wise vectorised function (e.g. ``shapely.intersection``) that releases the
        GIL: output element ``i`` depends only on input element ``i`` of each array.
    *arrays : ndarray
        Inputs of the same length n (aligned by position).
    workers : int, optional
        Threads; default :func:`cores` when ``n >= PARALLEL_MIN_ITEMS``, else 1 (one plain call).
    **kwargs
        Passed to every call (``grid_size=…``).

    Returns
    -------
    ndarray
        Length n, identical to ``fn(*arrays, **kwargs)``.

    Raises
    ------
    ValueError
        The arrays differ in length.
    """
    n = len(arrays[0]) if arrays else 0
    if any(len(a) != n for a in arrays):
        raise ValueError(f"map_slices: arrays of lengths {[len(a) for a in arrays]}; they must be equal")
    k = workers if workers is not None else (cores() if n >= PARALLEL_MIN_ITEMS else 1)
    k = max(1, min(k, n))
    if k == 1:
        return np.asarray(fn(*arrays, **kwargs))
    cuts = np.linspace(0, n, k + 1).astype(int)
    with ThreadPoolExecutor(max_workers=k) as pool:
        parts = list(
            pool.map(lambda ab: fn(*(a[ab[0] : ab[1]] for a in arrays), **kwargs), itertools.pairwise(cuts))
        )
    return np.concatenate(parts)
