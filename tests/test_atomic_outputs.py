"""All or nothing: an interrupted or failed run leaves the previous outputs byte-identical.

A real ``ruian-land run`` is sent SIGTERM while it writes (its staging folder has appeared beside
``--out``); a run whose writing fails half-way is simulated in-process; an unwritable ``--out``
is refused before any work.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ruian_land import pipeline
from ruian_land.cli import app
from ruian_land.core import InputError
from ruian_land.pipeline import check_output_folder, staged_folder

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ROOT / "data" / "project.yaml"
needs_data = pytest.mark.skipif(not PROJECT.exists(), reason="sample county not generated")


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture()
def previous(sample_run: tuple[Any, Path], tmp_path: Path) -> Path:
    """A copy of a finished run's outputs, plus a file of the planner's that no run writes."""
    out = tmp_path / "out"
    shutil.copytree(sample_run[1], out)
    (out / "run").mkdir()
    (out / "run" / "notes.txt").write_text("规划科备注", encoding="utf-8")
    return out


def test_staged_folder_swaps_in_whole_and_keeps_foreign_entries(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.json").write_text("old", encoding="utf-8")
    (out / "run").mkdir()
    (out / "run" / "keep.txt").write_text("k", encoding="utf-8")
    with staged_folder(out) as staging:
        assert staging.parent == out.parent and staging.name.startswith(".out.partial-")
        (staging / "summary.json").write_text("new", encoding="utf-8")
        assert (out / "summary.json").read_text(encoding="utf-8") == "old"  # not yet
    assert (out / "summary.json").read_text(encoding="utf-8") == "new"
    assert (out / "run" / "keep.txt").read_text(encoding="utf-8") == "k"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no partial or backup left


def test_an_error_while_writing_leaves_the_old_outputs(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.json").write_text("old", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt), staged_folder(out) as staging:
        (staging / "summary.json").write_text("half", encoding="utf-8")
        raise KeyboardInterrupt
    assert _digest(out) == {"summary.json": hashlib.sha256(b"old").hexdigest()}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@needs_data
def test_write_outputs_failing_half_way_changes_nothing(
    previous: Path, sample_run: tuple[Any, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _digest(previous)
    calls = {"n": 0}
    real = pipeline.write.write_table

    def flaky(frame: Any, path: Any) -> Path:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(28, "No space left on device")
        return real(frame, path)

    monkeypatch.setattr(pipeline.write, "write_table", flaky)
    with pytest.raises(OSError, match="No space"):
        pipeline.write_outputs(sample_run[0], previous)
    assert calls["n"] == 2
    assert _digest(previous) == before
    assert sorted(p.name for p in previous.parent.iterdir() if p.name.startswith(".out")) == []


@needs_data
def test_sigterm_during_a_real_run_leaves_previous_outputs_byte_identical(previous: Path) -> None:
    before = _digest(previous)
    proc = subprocess.Popen(
        [sys.executable, "-m", "ruian_land", "run", "--out", str(previous)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 300
    staging: list[Path] = []
    while time.monotonic() < deadline and proc.poll() is None and not staging:
        staging = list(previous.parent.glob(".out.partial-*"))
        time.sleep(0.02)
    assert staging, "the run never started writing"
    time.sleep(0.3)  # well inside the writing
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "nothing in" in err and "was changed" in err
    assert _digest(previous) == before
    assert not list(previous.parent.glob(".out.*"))  # the partial folder is gone too


def test_unwritable_out_is_refused_before_any_work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def denied(*args: object, **kwargs: object) -> tuple[int, str]:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkstemp", denied)
    started = {"stages": False}
    monkeypatch.setattr(
        "ruian_land.cli.project_commands.run_stages", lambda *a, **k: started.__setitem__("stages", True)
    )
    res = CliRunner().invoke(app, ["run", "--out", str(tmp_path / "ro" / "out")])
    assert res.exit_code == 2, res.output
    assert "cannot be written" in res.output and "Permission denied" in res.output
    assert started["stages"] is False


def test_out_that_holds_other_work_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match="folder of their own"):
        check_output_folder(".")
    (tmp_path / "county").mkdir()
    (tmp_path / "county" / "project.yaml").write_text("name: x\n", encoding="utf-8")
    with pytest.raises(InputError, match="folder of their own"):
        check_output_folder(tmp_path / "county")
    assert check_output_folder(tmp_path / "out") == (tmp_path / "out").resolve()
    assert os.access(tmp_path, os.W_OK)


def test_swapped_folder_keeps_the_old_mode_or_the_umask(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with staged_folder(out) as staging:
        (staging / "a.txt").write_text("1", encoding="utf-8")
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o777 & ~umask  # not mkdtemp's private 0700
    out.chmod(0o750)
    with staged_folder(out) as staging:
        (staging / "a.txt").write_text("2", encoding="utf-8")
    assert out.stat().st_mode & 0o777 == 0o750


def test_an_interrupt_during_the_swap_is_dropped_once_the_outputs_are_in_place(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.json").write_text("old", encoding="utf-8")
    original = Path.rename

    def rename_then_interrupt(self: Path, target: Any) -> Any:
        result = original(self, target)
        if Path(target) == out.resolve():
            os.kill(os.getpid(), signal.SIGINT)  # arrives while the swap holds signals back
        return result

    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(Path, "rename", rename_then_interrupt)
            with staged_folder(out) as staging:
                (staging / "summary.json").write_text("new", encoding="utf-8")
    except KeyboardInterrupt:
        pytest.fail("the outputs were swapped in, yet the run was reported as interrupted")
    assert (out / "summary.json").read_text(encoding="utf-8") == "new"
