"""All or nothing: a run's outputs are written into a folder beside ``--out`` and swapped in whole.

A run stopped at any point — Ctrl-C (SIGINT), SIGTERM, an error — before the swap leaves the
previous outputs byte-identical and removes its partial folder. The swap itself (a few
``rename`` calls on one file system) runs with SIGINT and SIGTERM caught and dropped, so it cannot
be cut in half, and a run whose outputs are in place ends normally. Entries of the old folder that this run does not write (e.g. the stage commands' ``run/``
folder) are carried over into the new one.

Only SIGKILL or a power cut can leave a ``.<name>.partial-*`` folder behind; the next run removes
it.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ruian_land.core import InputError

__all__ = ["check_output_folder", "staged_folder"]

_HELD = {signal.SIGINT, signal.SIGTERM}


def _existing_ancestor(path: Path) -> Path:
    for folder in (path, *path.parents):
        if folder.exists():
            return folder
    return Path(path.anchor or ".")


def check_output_folder(out: str | Path, inputs: Iterable[str | Path] = ()) -> Path:
    """Refuse an output folder that cannot be written, before any work is done.

    Parameters
    ----------
    out : str or Path
        The ``--out`` folder (created later if missing).
    inputs : iterable of str or Path, optional
        The project's configured files (its sources and the config itself): none may lie inside
        ``out``, which each run replaces as a whole.

    Returns
    -------
    Path
        ``out`` made absolute.

    Raises
    ------
    InputError
        ``out`` or one of its parents is a file; ``out`` is the current folder or holds it, or
        is a project or repository folder (it would be replaced as a whole); a configured input
        lies inside it; its nearest existing parent is not writable.
    """
    target = Path(out).resolve()
    for parent in (target, *target.parents):
        if parent.exists() and not parent.is_dir():
            raise InputError(
                "the output location is a file, not a folder",
                path=parent,
                fix="choose another --out folder (it is created if missing)",
            )
    cwd = Path.cwd().resolve()
    if (
        target == cwd
        or target in cwd.parents
        or (target / ".git").exists()
        or (target / "project.yaml").exists()
    ):
        raise InputError(
            "the output folder would be replaced as a whole by each run, and it holds other work",
            path=target,
            fix="give the outputs a folder of their own, e.g. --out out",
        )
    inside = [p for p in (Path(i).resolve() for i in inputs) if p.is_relative_to(target)]
    if inside:  # e.g. --out data/enterprises: the run would replace the bureaus' files
        raise InputError(
            f"the output folder holds {len(inside)} of the project's input file(s) (e.g. {inside[0]}), "
            "and each run replaces the output folder as a whole",
            path=target,
            fix="give the outputs a folder of their own, outside the input folders, e.g. --out out",
        )
    probe_dir = _existing_ancestor(target.parent)
    try:
        fd, probe = tempfile.mkstemp(prefix=".ruian-land-write-test-", dir=probe_dir)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise InputError(
            f"the output folder cannot be written ({exc.strerror or exc})",
            path=probe_dir,
            fix="choose a folder you can write to with --out, or fix its permissions",
        ) from None
    return target


def _sweep(parent: Path, name: str) -> None:
    """Remove partial folders of earlier runs that were killed (SIGKILL, power cut)."""
    for stale in parent.glob(f".{name}.partial-*"):
        shutil.rmtree(stale, ignore_errors=True)
    for stale in parent.glob(f".{name}.old-*"):
        shutil.rmtree(stale, ignore_errors=True)


def _swap(new: Path, out: Path) -> None:
    umask = os.umask(0)
    os.umask(umask)
    mode = out.stat().st_mode & 0o7777 if out.exists() else 0o777 & ~umask
    new.chmod(mode)  # mkdtemp makes it private (0700); keep the folder's mode, or the umask's
    # SIGINT/SIGTERM during the swap are caught and dropped: the swap is a few renames, and once
    # it is done the outputs are complete, so the run ends normally. (Python runs handlers in the
    # main thread, whichever thread the signal reached.)
    dropped: list[int] = []
    try:
        saved = {sig: signal.signal(sig, lambda signum, frame: dropped.append(signum)) for sig in _HELD}
    except ValueError:  # not the main thread: signals are not ours to handle
        saved = {}
    try:
        if out.exists():
            for entry in out.iterdir():
                if not (new / entry.name).exists():  # not written by this run: keep it
                    entry.rename(new / entry.name)
            backup = out.parent / f".{out.name}.old-{os.getpid()}"
            out.rename(backup)
            new.rename(out)
            shutil.rmtree(backup, ignore_errors=True)
        else:
            new.rename(out)
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


@contextmanager
def staged_folder(out: str | Path) -> Iterator[Path]:
    """Yield an empty folder beside ``out``; on success it replaces ``out``, on any exit it is gone.

    Parameters
    ----------
    out : str or Path
        The final output folder (created if missing, with its parents).

    Yields
    ------
    Path
        The folder to write into (``.<name>.partial-<random>`` in ``out``'s parent, so the swap
        is a rename on one file system).

    Raises
    ------
    InputError
        From :func:`check_output_folder`.
    """
    target = check_output_folder(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    _sweep(target.parent, target.name)
    partial = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    try:
        yield partial
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    _swap(partial, target)
