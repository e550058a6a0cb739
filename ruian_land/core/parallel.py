"""Vectorised work split over the machine's cores in threads.

shapely 2's vectorised operations (``intersection``, ``set_precision``, ``make_valid`` …) and
most numpy kernels release the GIL, so contiguous slices of their input arrays run at the same
time in threads of one process: no pickling, no extra memory beyond the slices' results, and
the concatenated result is identical to the one-call result.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import pickle
import traceback
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Generic, TypeVar

import numpy as np

__all__ = ["PARALLEL_MIN_ITEMS", "Forked", "cores", "map_slices", "query_slices", "start_forked"]

_T = TypeVar("_T")

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


def query_slices(tree: Any, geoms: np.ndarray, *, workers: int | None = None, **kwargs: Any) -> np.ndarray:
    """``tree.query(geoms, **kwargs)`` with ``geoms`` cut into contiguous slices queried in threads.

    GEOS predicates (``intersects``, ``dwithin`` …) release the GIL, so the slices run at the
    same time: the 1M-parcel self-overlap query of validation takes half the time on two cores.

    Parameters
    ----------
    tree : shapely.STRtree or geopandas ``sindex``
        Built on the geometries to search.
    geoms : ndarray of shapely geometries
        n query geometries.
    workers : int, optional
        Threads; default :func:`cores` when ``n >= PARALLEL_MIN_ITEMS``, else 1 (one plain call).
    **kwargs
        Passed to ``tree.query`` (``predicate="intersects"``, ``distance=…``).

    Returns
    -------
    ndarray of int, shape (2, m)
        Identical to ``tree.query(geoms, **kwargs)``: row 0 the positions in ``geoms`` (ascending,
        as the query returns them), row 1 the positions in the tree.
    """
    n = len(geoms)
    k = workers if workers is not None else (cores() if n >= PARALLEL_MIN_ITEMS else 1)
    k = max(1, min(k, n))
    if k == 1:
        return np.asarray(tree.query(geoms, **kwargs))
    cuts = np.linspace(0, n, k + 1).astype(int)

    def part(ab: tuple[int, int]) -> np.ndarray:
        pairs = np.array(tree.query(geoms[ab[0] : ab[1]], **kwargs), copy=True)
        pairs[0] += ab[0]
        return pairs

    with ThreadPoolExecutor(max_workers=k) as pool:
        parts = list(pool.map(part, itertools.pairwise(cuts)))
    return np.concatenate(parts, axis=1)


def start_forked(fn: Callable[[], _T]) -> Callable[[], _T]:
    """Start ``fn()`` in a forked process now; the returned callable waits for it.

    For independent work on large frames already in memory (one workbook while the parent
    writes another): the child inherits them copy-on-write, nothing is pickled but the result.

    Parameters
    ----------
    fn : callable
        Takes no argument; its result must pickle (paths, small dicts). Its side effects on
        objects of this process are lost (files it writes stay).

    Returns
    -------
    callable
        ``wait()`` gives ``fn()``'s result, or raises its exception (the same type and message
        when it pickles, else ``RuntimeError`` with the child's traceback). Where ``fork`` is not
        available (Windows, macOS' default), ``fn`` runs when ``wait()`` is called, in this process.
        Warnings the child raised are raised again here by ``wait()``, in their order, through
        this process's filters. :class:`Forked` is the same with a way to give up on the work.
    """
    return Forked(fn).result


class Forked(Generic[_T]):
    """``fn()`` started in a forked process (see :func:`start_forked`), to wait for or cancel.

    Parameters
    ----------
    fn : callable
        As for :func:`start_forked`.
    """

    def __init__(self, fn: Callable[[], _T]) -> None:
        self._fn = fn
        self._process: Any = None
        if "fork" not in multiprocessing.get_all_start_methods():
            return
        ctx = multiprocessing.get_context("fork")
        receive, send = ctx.Pipe(duplex=False)

        def child() -> None:
            with warnings.catch_warnings(record=True) as seen:
                warnings.simplefilter("always")  # the parent's filters decide when they come back
                try:
                    payload: tuple[bool, Any] = (True, fn())
                except BaseException as err:
                    payload = (False, err)
            raised = [(str(w.message), w.category, w.filename, w.lineno) for w in seen]
            try:
                data = pickle.dumps((*payload, raised), protocol=pickle.HIGHEST_PROTOCOL)
                if not payload[0]:
                    pickle.loads(data)  # an exception that pickles but cannot be rebuilt is sent as text
            except Exception:
                text = (
                    "".join(traceback.format_exception(payload[1]))
                    if not payload[0]
                    else "unpicklable result"
                )
                data = pickle.dumps((False, RuntimeError(f"work in a forked process failed:\n{text}"), []))
            send.send_bytes(data)
            send.close()

        self._process = ctx.Process(target=child, daemon=True)
        self._process.start()
        send.close()
        self._receive = receive

    def result(self) -> _T:
        """``fn()``'s result (waiting for the process), or its exception raised here.

        Raises
        ------
        RuntimeError
            The process ended without a result, or :meth:`cancel` was called.
        """
        if self._process is None:
            return self._fn()
        if self._receive.closed:
            raise RuntimeError("the forked work was cancelled or its result already taken")
        process = self._process
        try:
            ok, value, raised = pickle.loads(self._receive.recv_bytes())
        except EOFError:
            process.join()
            raise RuntimeError(
                f"a forked process ended with exit code {process.exitcode} before its result"
            ) from None
        finally:
            self._receive.close()
        process.join()
        for message, category, filename, lineno in raised:  # the child's warnings, in order
            warnings.warn_explicit(message, category, filename, lineno)
        if not ok:
            raise value
        return value  # type: ignore[no-any-return]

    def cancel(self) -> None:
        """Stop the process if its result has not been taken (on an error of the caller's own
        work, so that no child is left blocked on a result nobody reads); else nothing."""
        if self._process is None or self._receive.closed:
            return
        self._process.terminate()
        self._process.join()
        self._receive.close()
