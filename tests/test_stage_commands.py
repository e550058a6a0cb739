"""One command per stage on a run folder (issue 13 item 4): ``ruian-land ingest … map`` then ``export``.

The seven commands on a copy of the sample county give the ``summary.json`` of ``ruian-land run``;
each stage read back from the run folder equals the in-memory stage result; ``screen`` re-runs
alone; a folder from other inputs, another version or with an earlier stage's rules changed is
refused with exit 2 naming the command to run.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from ruian_land.cli import app
from ruian_land.config import load_config
from ruian_land.pipeline import MANIFEST, STAGE_ORDER, load_stage, stages

DATA = Path(__file__).resolve().parents[1] / "data"
COMMANDS = (*STAGE_ORDER, "export")
runner = CliRunner()


def _invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    text = result.output  # stdout and stderr as a user sees them
    return result.exit_code, " ".join(text.split())  # unfold rich's line wrapping


def _is_timing(key: Any) -> bool:
    """Timings and memory differ between runs: solver ``*_time_s`` and ``summary.json`` ``stages``."""
    return str(key).endswith("_time_s") or key == "stages"


def _without_times(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_times(v) for k, v in value.items() if not _is_timing(k)}
    if isinstance(value, list):
        return [_without_times(v) for v in value]
    return value


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Equal apart from solver times (NaN equal to NaN)."""
    return json.dumps(_without_times(a), sort_keys=True, default=str) == json.dumps(
        _without_times(b), sort_keys=True, default=str
    )


def _digest(folder: Path, pattern: str = "*") -> dict[str, tuple[str, int]]:
    return {
        str(p.relative_to(folder)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob(pattern))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("stages")
    shutil.copytree(DATA, root / "data")
    return root


@pytest.fixture(scope="module")
def config(work: Path) -> Path:
    return work / "data" / "project.yaml"


@pytest.fixture(scope="module")
def run_summary(work: Path, config: Path) -> dict[str, Any]:
    """``ruian-land run`` once on the copied sample county."""
    code, text = _invoke("run", "-q", "-c", str(config), "-o", str(work / "out_run"))
    assert code == 0, text
    return json.loads((work / "out_run" / "summary.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def stage_run(work: Path, config: Path) -> Path:
    """The eight commands in order into ``run/`` and ``out_stages/``."""
    run_dir = work / "run"
    for command in COMMANDS:
        extra = ["-o", str(work / "out_stages")] if command == "export" else []
        code, text = _invoke(command, "-q", "-c", str(config), "--run", str(run_dir), *extra)
        assert code == 0, f"{command}: {text}"
    return run_dir


@pytest.fixture(scope="module")
def in_memory(config: Path) -> dict[str, Any]:
    """The stage functions called in memory, as ``ruian-land run`` calls them."""
    i = stages.ingest(config)
    e = stages.evaluate(i)
    s = stages.screen(i, e)
    m = stages.simulate(i, e, s)
    t = stages.trajectory(i, e, s, m)
    p = stages.parks(i, e, s, m)
    return {"ingest": i, "evaluate": e, "screen": s, "simulate": m, "trajectory": t, "parks": p}


def _copy_run(stage_run: Path, tmp_path: Path) -> Path:
    run_dir = tmp_path / "run"
    shutil.copytree(stage_run, run_dir)
    return run_dir


def test_seven_commands_give_the_summary_of_run(
    stage_run: Path, work: Path, run_summary: dict[str, Any]
) -> None:
    summary = json.loads((work / "out_stages" / "summary.json").read_text(encoding="utf-8"))
    assert _same(summary, run_summary)
    for name in ("maps/overview.html", "exports/candidates.xlsx", "exports/整治清单.xlsx", "qa"):
        assert (work / "out_stages" / name).exists(), name
    manifest = json.loads((stage_run / MANIFEST).read_text(encoding="utf-8"))
    assert list(manifest["stages"]) == list(STAGE_ORDER)
    assert manifest["version"] and manifest["inputs"]["all"] and manifest["rules"]
    assert any(k.startswith("parcels: ") and k.endswith(".dbf") for k in manifest["inputs"])
    for record in manifest["stages"].values():
        assert {"done", "seconds", "inputs", "rules"} <= set(record)


def test_each_stage_read_back_equals_the_in_memory_result(
    stage_run: Path, config: Path, in_memory: dict[str, Any]
) -> None:
    cfg = load_config(config)
    rules = cfg.load_rules()
    loaded = {name: load_stage(stage_run, name, cfg, rules) for name in in_memory}
    for name, result in in_memory.items():
        assert _same(loaded[name].summary, result.summary), name
    frames = {
        "parcels": lambda r: r["ingest"].parcels,
        "ingest firms": lambda r: r["ingest"].firms,
        "links": lambda r: r["ingest"].occupancy.links,
        "evaluated firms": lambda r: r["evaluate"].firms,
        "screening parcels": lambda r: r["screen"].screening.parcels,
        "screening firms": lambda r: r["screen"].screening.firms,
        "selection": lambda r: r["simulate"].scenario.selection,
        "rectification firms": lambda r: r["simulate"].rectification_firms,
        "trajectory targets": lambda r: r["trajectory"].trajectory.targets,
        "trajectory waterfall": lambda r: r["trajectory"].trajectory.waterfall,
        "sites": lambda r: r["parks"].sites,
        "candidates": lambda r: r["parks"].candidates,
    }
    for what, get in frames.items():
        before, after = get(in_memory), get(loaded)
        assert type(after) is type(before), what
        pd.testing.assert_frame_equal(after, before, check_like=False, obj=what)
        assert after.attrs == before.attrs, what
    assert "eval_class" in loaded["evaluate"].firms
    assert loaded["ingest"].parcels.crs == in_memory["ingest"].parcels.crs
    assert loaded["ingest"].ledger.summary() == in_memory["ingest"].ledger.summary()
    assert loaded["screen"].screening.as_of == in_memory["screen"].screening.as_of
    assert loaded["ingest"].rules is rules and loaded["ingest"].config is cfg


def test_screen_reruns_alone(stage_run: Path, config: Path, tmp_path: Path) -> None:
    run_dir = _copy_run(stage_run, tmp_path)
    earlier = {name: _digest(run_dir / name) for name in ("ingest", "evaluate")}
    code, text = _invoke("screen", "-q", "-c", str(config), "--run", str(run_dir))
    assert code == 0, text
    first = {k: v[0] for k, v in _digest(run_dir / "screen", "*.parquet").items()}
    code, text = _invoke("screen", "-q", "-c", str(config), "--run", str(run_dir))
    assert code == 0, text
    second = {k: v[0] for k, v in _digest(run_dir / "screen", "*.parquet").items()}
    assert first and second == first
    assert {name: _digest(run_dir / name) for name in ("ingest", "evaluate")} == earlier
    # the later stages were made from the old screen result: dropped, and simulate is asked for
    assert not (run_dir / "simulate").exists()
    code, text = _invoke("parks", "-c", str(config), "--run", str(run_dir))
    assert code == 2 and "ruian-land simulate" in text, text


def test_a_stage_without_its_prerequisite_names_ingest(config: Path, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    code, text = _invoke("evaluate", "-c", str(config), "--run", str(tmp_path / "empty"))
    assert code == 2, text
    assert "ruian-land ingest" in text


def test_changed_inputs_are_refused(tmp_path: Path) -> None:
    shutil.copytree(DATA, tmp_path / "data")
    config = tmp_path / "data" / "project.yaml"
    run_dir = tmp_path / "run"
    code, text = _invoke("ingest", "-q", "-c", str(config), "--run", str(run_dir))
    assert code == 0, text
    tax = next((tmp_path / "data" / "enterprises").glob("*.csv"))
    with tax.open("ab") as fh:
        fh.write(b"\n")
    code, text = _invoke("evaluate", "-c", str(config), "--run", str(run_dir))
    assert code == 2, text
    assert "inputs changed" in text and tax.name in text and "ruian-land ingest" in text


def test_another_version_is_refused(stage_run: Path, config: Path, tmp_path: Path) -> None:
    run_dir = _copy_run(stage_run, tmp_path)
    manifest = json.loads((run_dir / MANIFEST).read_text(encoding="utf-8"))
    manifest["version"] = "0.0.1"
    (run_dir / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    code, text = _invoke("evaluate", "-c", str(config), "--run", str(run_dir))
    assert code == 2, text
    assert "0.0.1" in text and "ruian-land ingest" in text


def _with_override(config: Path, key: str, value: Any) -> Path:
    """A config beside ``config`` (same sources) with one rules override."""
    raw = yaml.safe_load(config.read_text(encoding="utf-8"))
    raw["rules"] = {**raw["rules"], "overrides": {key: value}}
    path = config.with_name(f"project_{key.replace('.', '_')}.yaml")
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def test_a_rules_change_invalidates_the_stage_reading_it(
    stage_run: Path, config: Path, tmp_path: Path
) -> None:
    run_dir = _copy_run(stage_run, tmp_path)
    # evaluation.* is first read by evaluate: simulate must wait for evaluate (and screen)
    changed = _with_override(config, "evaluation.industry_group_min_firms", 12)
    code, text = _invoke("simulate", "-c", str(changed), "--run", str(run_dir))
    assert code == 2, text
    assert "ruian-land evaluate" in text and "evaluation" in text
    # targets.* is first read by simulate: simulate re-runs with the new target, parks after it
    target = _with_override(config, "targets.freed_area_mu", 1200)
    code, text = _invoke("simulate", "-q", "-c", str(target), "--run", str(run_dir))
    assert code == 0, text
    sim = load_stage(run_dir, "simulate", load_config(target), load_config(target).load_rules())
    assert sim.summary["scenario"]["target_area_mu"] == 1200
    code, text = _invoke("export", "-c", str(target), "--run", str(run_dir), "-o", str(tmp_path / "o"))
    assert code == 2 and "ruian-land trajectory" in text, text
    code, text = _invoke("trajectory", "-q", "-c", str(target), "--run", str(run_dir))
    assert code == 0, text
    code, text = _invoke("parks", "-q", "-c", str(target), "--run", str(run_dir))
    assert code == 0, text


@pytest.mark.parametrize("command", COMMANDS)
def test_help_shows_an_example(command: str) -> None:
    code, text = _invoke(command, "--help")
    assert code == 0, text
    assert "Examples:" in text and f"ruian-land {command}" in text
    assert "<bool>" not in text and "--run" in text
