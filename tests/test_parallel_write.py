"""Writing in two processes gives the files one process gives; a forked job's result and errors
come back to the parent."""

from __future__ import annotations

import copy
import os
import time
import warnings
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from ruian_land import pipeline
from ruian_land.core import Forked, InputError, InputWarning, start_forked


def _sheets(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    wb = openpyxl.load_workbook(path)
    return {ws.title: [tuple(c.value for c in row) for row in ws.iter_rows()] for ws in wb.worksheets}


def test_two_processes_write_the_same_files(sample_run: tuple[Any, Path], tmp_path: Path) -> None:
    # a copy: write_outputs records its paths and write time on the result the session shares
    result = copy.copy(sample_run[0])
    result.stage_usage, result.timings_s = dict(result.stage_usage), dict(result.timings_s)
    result.summary = dict(result.summary)
    one = pipeline.write_outputs(result, tmp_path / "one", workers=1)
    two = pipeline.write_outputs(result, tmp_path / "two", workers=2)
    assert sorted(one) == sorted(two) and "exports/整治清单.xlsx" in two and "exports/监管清单.xlsx" in two
    for name, path in one.items():
        other = two[name]
        assert (other.exists() and other.parent.parent.name in ("two", tmp_path.name)) or other.is_file()
        if path.suffix == ".xlsx":
            assert _sheets(path) == _sheets(other), name
        elif path.suffix in (".csv", ".svg") or name.startswith("qa/"):
            assert path.read_bytes() == other.read_bytes(), name
    wb = openpyxl.load_workbook(two["exports/监管清单.xlsx"])  # the red marks come from the child too
    assert list(wb["挂图作战"].conditional_formatting)


def _fails() -> None:
    raise InputError("整治清单 cannot be written", path="out/exports/整治清单.xlsx", fix="close it in Excel")


def test_a_forked_job_returns_its_result_and_raises_its_error() -> None:
    parent = os.getpid()
    assert start_forked(lambda: (os.getpid() != parent, [1, 2, 3]))() == (True, [1, 2, 3])
    with pytest.raises(InputError, match="整治清单 cannot be written"):
        start_forked(_fails)()
    with pytest.raises(RuntimeError, match=r"unpicklable result|forked process"):
        start_forked(lambda: lambda: None)()  # a result that cannot be sent back


def _warns_twice() -> int:
    warnings.warn("排放.csv: no byte-order mark; read as utf-8", InputWarning, stacklevel=1)
    warnings.warn("second", UserWarning, stacklevel=1)
    return 7


def test_a_forked_jobs_warnings_come_back_in_order() -> None:
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        assert start_forked(_warns_twice)() == 7
    assert [(w.category, str(w.message)) for w in seen] == [
        (InputWarning, "排放.csv: no byte-order mark; read as utf-8"),
        (UserWarning, "second"),
    ]


def test_a_cancelled_forked_job_is_stopped_and_gives_no_result() -> None:
    job = Forked(lambda: time.sleep(60) or 1)
    pid = job._process.pid
    job.cancel()  # stops the child now, not after its minute
    assert not job._process.is_alive() and job._process.exitcode is not None
    with pytest.raises(RuntimeError, match="cancelled"):
        job.result()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    done = Forked(lambda: 5)
    assert done.result() == 5
    done.cancel()  # after the result: nothing to stop, no error
