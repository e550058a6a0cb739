"""The ``ruian-land`` typer app, its consoles and options, and the guard that turns errors into exit codes.

A user mistake in an input (:class:`~ruian_land.core.errors.InputError`) exits with status 2 and a
one-paragraph message naming the file, the column or row, and the fix; never a traceback.
"""

from __future__ import annotations

import signal
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ruian_land.config import find_default_config, load_config
from ruian_land.core import InputError, InputWarning

__all__ = [
    "ConfigOpt",
    "QuietOpt",
    "RunDirOpt",
    "VerboseOpt",
    "app",
    "check_paths",
    "console",
    "err_console",
    "fail",
    "guard",
    "input_files",
    "main",
    "print_timings",
    "step",
]

app = typer.Typer(
    name="ruian-land",
    help="瑞安工业用地工具: 亩均论英雄 evaluation, low-efficiency land, 腾笼换鸟 scenarios, 小微企业园 sites, "
    "maps.\n\nExit codes: 0 done; 1 internal error (the traceback is written to a log file, its path "
    "printed); 2 a problem in your inputs or config (file, column or row, and the fix are printed).",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
# Wide enough that rule keys and paths are not folded mid-word when output goes to a file or pipe.
console = Console(width=None if sys.stdout.isatty() else 200)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 200)

ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", "-c", help="project YAML (default: data/project.yaml, the sample county)"),
]


RunDirOpt = Annotated[
    Path,
    typer.Option("--run", help="run folder: each stage's result as GeoParquet + JSON, with manifest.json"),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="print only errors")]
VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v", help="also print each stage's seconds")]


def fail(exc: InputError) -> None:
    err_console.print(f"[bold red]Input error[/]: {escape(str(exc))}", soft_wrap=True, highlight=False)
    raise typer.Exit(code=2)


@contextmanager
def guard(quiet: bool = False, out: Path | None = None) -> Iterator[list[warnings.WarningMessage]]:
    """Exit 2 on an input error, 1 on anything else (traceback to a log file), 130 on an interrupt
    (SIGINT or SIGTERM: outputs are swapped in whole, so ``out`` is as it was), notes shown."""
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        with _guarded(quiet, out) as caught:
            yield caught
    finally:
        signal.signal(signal.SIGTERM, previous)


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # let the staged outputs clean up, as for Ctrl-C


@contextmanager
def _guarded(quiet: bool, out: Path | None) -> Iterator[list[warnings.WarningMessage]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", InputWarning)
        try:
            yield caught
        except typer.Exit:
            raise
        except InputError as exc:
            _show_warnings(caught)
            fail(exc)
        except KeyboardInterrupt:
            where = f"; nothing in {out} was changed" if out is not None else ""
            err_console.print(f"Interrupted before the run was complete{where}.", soft_wrap=True)
            raise typer.Exit(code=130) from None
        except Exception:
            log = Path(tempfile.gettempdir()) / f"ruian-land-error-{time.strftime('%Y%m%d-%H%M%S')}.log"
            log.write_text(traceback.format_exc(), encoding="utf-8")
            err_console.print(
                f"[bold red]Internal error[/] (a bug, not your data): {escape(repr(sys.exc_info()[1]))}. "
                f"The traceback is in {log}; please attach it to an issue.",
                soft_wrap=True,
                highlight=False,
            )
            raise typer.Exit(code=1) from None
    if not quiet:
        _show_warnings(caught)


def _show_warnings(caught: list[warnings.WarningMessage]) -> None:
    """Print each distinct input note once."""
    seen: set[str] = set()
    for w in caught:
        text = str(w.message)
        if issubclass(w.category, InputWarning) and text not in seen:
            seen.add(text)
            err_console.print(f"[yellow]note[/]: {escape(text)}", soft_wrap=True, highlight=False)


def print_timings(timings: dict[str, float], usage: dict[str, Any] | None = None) -> None:
    """Each stage's seconds and, where recorded (``RunResult.stage_usage``, a stage's ``usage``),
    the peak memory after it and how much the stage raised it (MB)."""
    usage = usage or {}
    t = Table(title="stage seconds and peak memory", show_header=True, header_style="bold")
    t.add_column("stage")
    t.add_column("s", justify="right")
    t.add_column("peak MB", justify="right")
    t.add_column("+MB", justify="right")
    names = list(usage) if usage else list(timings)
    for k in names:
        u = usage.get(k, {})
        secs = u.get("seconds", timings.get(k))
        peak, inc = u.get("peak_rss_mb"), u.get("peak_rss_increase_mb")
        t.add_row(
            str(k),
            "—" if secs is None else f"{float(secs):.2f}",
            "—" if peak is None else f"{float(peak):,.0f}",
            "—" if inc is None else f"{float(inc):,.0f}",
        )
    console.print(t)


def step(quiet: bool) -> Callable[[str], AbstractContextManager[Any]]:
    """A spinner per step of a stage command (nothing with --quiet)."""
    if quiet:
        return lambda _text: nullcontext()
    return lambda text: console.status(text + " …")


def check_paths(config: Path | None, out: Path) -> None:
    """Refuse path mistakes before any work is done."""
    if config is not None and config.is_dir():
        raise InputError(
            "--config points at a folder, not a project file",
            path=config,
            fix=f"pass the YAML file itself, e.g. --config {config / 'project.yaml'}",
        )
    for parent in (out, *out.parents):
        if parent.exists() and not parent.is_dir():
            raise InputError(
                "the output location is a file, not a folder",
                path=parent,
                fix="choose another --out folder (it is created if missing)",
            )


def input_files(config: Path | None) -> list[Path]:
    """The project's configured files: the config and every source path (for ``check_output_folder``).

    Empty when there is no config to read (the run itself then names the problem).
    """
    try:
        path = config if config is not None else find_default_config()
        cfg = load_config(path)
    except InputError:
        return []
    sources = [(Path(cfg.root) / s.path).resolve() for s in cfg.sources.values()]
    return [path.resolve(), *sources]


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except InputError as exc:  # pragma: no cover - commands catch their own
        err_console.print(f"[bold red]Input error[/]: {escape(str(exc))}")
        sys.exit(2)
