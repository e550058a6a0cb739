"""A run folder: each stage's result saved on disk, so one stage re-runs alone from the shell.

::

    out/run/manifest.json        toolkit version, config path, input and rules fingerprints, and per
                                 stage: done time, seconds, the fingerprints it was made with
    out/run/ingest/stage.json    the stage result's non-frame fields (tagged JSON, see serialise.py)
    out/run/ingest/*.parquet     its frames as (Geo)Parquet
    …/evaluate/ …/screen/ …/simulate/ …/trajectory/ …/parks/ …/map/ (map/overview.html: the rendered map)

:func:`run_stage` loads the results of the stages before a stage from the folder (running none of
them again), runs the stage's function of :mod:`ruian_land.pipeline.stages` and saves its result;
the stages after it are dropped from the folder, as they were made from the old result.
:func:`export_run` loads all seven and writes what ``ruian-land run`` writes (it computes nothing).

A run folder belongs to one set of inputs and one toolkit version: a command refuses (an
:class:`~ruian_land.core.InputError`, exit 2) a folder made from other inputs or by another
version. A rules change is allowed: it invalidates the first stage reading the changed section
(:data:`~ruian_land.pipeline.project.FIRST_STAGE_OF_SECTION`) and every later one, and a command
whose earlier stage is invalid names the command to run first.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import yaml

from ruian_land.config import ProjectConfig, find_default_config, load_config
from ruian_land.core import InputError, __version__
from ruian_land.maps import map_html
from ruian_land.pipeline import serialise, stages
from ruian_land.pipeline.project import FIRST_STAGE_OF_SECTION
from ruian_land.pipeline.result import RunResult
from ruian_land.pipeline.stage_results import MapResult
from ruian_land.pipeline.write import write_outputs
from ruian_land.rules import RuleSet

__all__ = [
    "MANIFEST",
    "STAGE_ORDER",
    "export_run",
    "input_fingerprints",
    "load_stage",
    "read_manifest",
    "rules_fingerprints",
    "run_stage",
]

#: The manifest's file name inside a run folder.
MANIFEST = "manifest.json"
#: The stages in run order; the CLI command of each has the same name.
STAGE_ORDER: tuple[str, ...] = tuple(stages.STAGES)
_SHAPEFILE_SIDECARS = (".shx", ".dbf", ".prj", ".cpg")
_CHUNK = 1 << 20

#: A step's progress display: ``step("running screen")`` is entered around the step.
Step = Callable[[str], AbstractContextManager[Any]]


def _no_step(_: str) -> AbstractContextManager[Any]:
    return contextlib.nullcontext()


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _config_path(config: str | Path | None) -> Path:
    return (Path(config) if config is not None else find_default_config()).resolve()


def input_fingerprints(config_path: Path, config: ProjectConfig) -> dict[str, str]:
    """sha256 of the config file and of every source file it names (a shapefile with its sidecars).

    The config's ``rules:`` section is left out of its hash: the rules have their own fingerprint
    (:func:`rules_fingerprints`), and changing one is allowed in a run folder.

    Parameters
    ----------
    config_path : Path
        The project YAML.
    config : ProjectConfig
        The same file, loaded.

    Returns
    -------
    dict
        ``"config"`` and ``"<source>: <file>"`` → hex digest (``"missing"`` for an absent file),
        in a fixed order; ``"all"`` → the digest over all of them.
    """
    raw = yaml.safe_load(config_path.read_text(encoding="utf-8")) or {}
    if isinstance(raw, dict):
        raw.pop("rules", None)
    text = json.dumps(raw, sort_keys=True, ensure_ascii=False, default=str)
    out = {"config": hashlib.sha256(text.encode("utf-8")).hexdigest()}
    for name in sorted(config.sources):
        main = config.path(name)
        files = [main]
        if main.suffix.lower() == ".shp":
            files += [p for ext in _SHAPEFILE_SIDECARS if (p := main.with_suffix(ext)).exists()]
        for path in files:
            try:
                label = path.relative_to(config.root.resolve())
            except ValueError:
                label = path
            out[f"{name}: {label}"] = _sha256_file(path) if path.is_file() else "missing"
    everything = hashlib.sha256()
    for key, value in out.items():
        everything.update(f"{key}\0{value}\n".encode())
    out["all"] = everything.hexdigest()
    return out


def rules_fingerprints(rules: RuleSet) -> dict[str, str]:
    """sha256 of the rule set (:meth:`RuleSet.to_yaml`) and of each section of it.

    Returns
    -------
    dict
        ``"all"`` → the digest of the whole YAML; ``"<section>"`` (``evaluation``, ``targets`` …)
        → the digest of that section's entries (value, unit, source, status).
    """
    out = {"all": hashlib.sha256(rules.to_yaml().encode("utf-8")).hexdigest()}
    sections: dict[str, dict[str, Any]] = {}
    for key in rules:
        sections.setdefault(key.split(".")[0], {})[key] = rules[key].model_dump()
    for section, entries in sorted(sections.items()):
        text = yaml.safe_dump(entries, allow_unicode=True, sort_keys=True)
        out[section] = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return out


def _reads(stage: str, section: str) -> bool:
    """Whether ``stage`` (or a stage before it) reads rules ``section`` (unknown sections: ingest)."""
    first = FIRST_STAGE_OF_SECTION.get(section, "ingest")
    return STAGE_ORDER.index(first) <= STAGE_ORDER.index(stage)


def read_manifest(run_dir: str | Path) -> dict[str, Any] | None:
    """The run folder's manifest, or None when it has none.

    Raises
    ------
    InputError
        The manifest is not valid JSON.
    """
    path = Path(run_dir) / MANIFEST
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise InputError(
            f"the run folder's manifest is not valid JSON ({exc})",
            path=path,
            fix="re-run from `ruian-land ingest`, or use a fresh --run folder",
        ) from None
    return data if isinstance(data, dict) else None


def _write_json(path: Path, data: Any) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def _command(stage: str, config_path: Path, run_dir: Path) -> str:
    return f"`ruian-land {stage} -c {config_path} --run {run_dir}`"


def _check(
    manifest: dict[str, Any] | None,
    needs: tuple[str, ...],
    command: str,
    *,
    config_path: Path,
    run_dir: Path,
    inputs: dict[str, str],
    rules: dict[str, str],
) -> None:
    """Refuse a run folder that cannot give ``command`` the results of ``needs``."""
    fresh = f"re-run from {_command('ingest', config_path, run_dir)}, or use a fresh --run folder"
    if manifest is None:
        raise InputError(
            f"`ruian-land {command}` needs the result of the ingest stage, and the run folder has none",
            path=run_dir,
            fix=f"run {_command('ingest', config_path, run_dir)} first",
        )
    if manifest.get("version") != __version__:
        raise InputError(
            f"the run folder was made by ruian-land {manifest.get('version')}, this is {__version__}",
            path=run_dir / MANIFEST,
            fix=fresh,
        )
    made = manifest.get("inputs", {})
    if made.get("all") != inputs["all"]:
        changed = sorted(k for k in set(made) | set(inputs) if k != "all" and made.get(k) != inputs.get(k))
        raise InputError(
            "the inputs changed since this run folder was made ("
            + ", ".join(changed)
            + f"; config then: {manifest.get('config')})",
            path=run_dir,
            fix=fresh,
        )
    done = manifest.get("stages", {})
    for stage in needs:
        record = done.get(stage)
        if record is None or not (run_dir / stage / "stage.json").is_file():
            raise InputError(
                f"`ruian-land {command}` needs the result of the {stage} stage, and the run folder has none",
                path=run_dir,
                fix=f"run {_command(stage, config_path, run_dir)} first",
            )
        then = record.get("rules", {})
        changed = sorted(
            s
            for s in set(then) | set(rules)
            if s != "all" and _reads(stage, s) and then.get(s) != rules.get(s)
        )
        if changed:
            raise InputError(
                f"the rules changed since the {stage} stage ran (section(s) {', '.join(changed)}, read by "
                f"that stage or one before it), so its result is out of date",
                path=run_dir,
                fix=f"run {_command(stage, config_path, run_dir)} first, then the stages after it",
            )


def load_stage(run_dir: str | Path, stage: str, config: ProjectConfig, rules: RuleSet) -> Any:
    """Read one stage's result from a run folder (no checks; :func:`run_stage` checks first).

    Parameters
    ----------
    run_dir : str or Path
    stage : str
        One of :data:`STAGE_ORDER`.
    config, rules : ProjectConfig, RuleSet
        Put into the result where the stage held them (they are not stored).

    Returns
    -------
    IngestResult, EvaluateResult, ScreenResult, SimulateResult, ParksResult or MapResult
        ``MapResult.overview_map`` is None and ``html`` holds the rendered page.
    """
    folder = Path(run_dir) / stage
    spec = json.loads((folder / "stage.json").read_text(encoding="utf-8"))
    result = serialise.load(spec, folder, config=config, rules=rules)
    if isinstance(result, MapResult):
        result.html = (folder / "overview.html").read_text(encoding="utf-8")
    return result


def _save_stage(run_dir: Path, stage: str, result: Any) -> None:
    """Write a stage result to ``run_dir/stage`` (replacing the old one whole)."""
    tmp = run_dir / f".{stage}.tmp"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    if isinstance(result, MapResult):
        page = result.html if result.overview_map is None else map_html(result.overview_map)
        (tmp / "overview.html").write_text(page or "", encoding="utf-8")
        result = MapResult(None, result.seconds, usage=result.usage)
    spec = serialise.dump(result, tmp)
    (tmp / "stage.json").write_text(json.dumps(spec, ensure_ascii=False, indent=1), encoding="utf-8")
    final = run_dir / stage
    if final.exists():
        shutil.rmtree(final)
    os.replace(tmp, final)


def _prepare(
    config: str | Path | None, run_dir: Path
) -> tuple[Path, ProjectConfig, RuleSet, dict[str, str], dict[str, str]]:
    config_path = _config_path(config)
    cfg = load_config(config_path)
    rules = cfg.load_rules()
    return config_path, cfg, rules, input_fingerprints(config_path, cfg), rules_fingerprints(rules)


def _load_all(
    run_dir: Path, names: tuple[str, ...], cfg: ProjectConfig, rules: RuleSet, step: Step
) -> list[Any]:
    loaded = []
    for name in names:
        with step(f"loading the {name} result from {run_dir}"):
            loaded.append(load_stage(run_dir, name, cfg, rules))
    return loaded


def _run(stage: str, before: list[Any], cfg: ProjectConfig, rules: RuleSet) -> Any:
    if stage == "ingest":
        return stages.ingest(cfg, rules=rules)
    fn: dict[str, Callable[..., Any]] = {
        "evaluate": stages.evaluate,
        "screen": stages.screen,
        "simulate": stages.simulate,
        "trajectory": stages.trajectory,
        "parks": stages.parks,
        "map": stages.make_map,
    }
    done = dict(zip(STAGE_ORDER, before, strict=False))
    return fn[stage](*(done[name] for name in stages.STAGE_INPUTS[stage]))


def run_stage(
    stage: str,
    config: str | Path | None = None,
    run_dir: str | Path = "out/run",
    *,
    step: Step | None = None,
) -> tuple[Any, dict[str, Any]]:
    """Run one stage on the results saved in a run folder and save its own.

    Parameters
    ----------
    stage : str
        ``ingest``, ``evaluate``, ``screen``, ``simulate``, ``trajectory``, ``parks`` or ``map``.
    config : str, Path or None
        The project YAML (``None``: ``data/project.yaml`` under the current folder).
    run_dir : str or Path
        The run folder (created by ``ingest``, which starts it afresh).
    step : callable, optional
        ``step(text)`` returns a context manager entered around each step (a progress display).

    Returns
    -------
    result : stage result
        What the stage function returned.
    record : dict
        Its manifest entry: ``done`` (ISO time), ``seconds``, ``usage`` (the stage's steps' seconds
        and peak memory, as in ``summary.json`` ``stages``), ``inputs`` and ``rules`` fingerprints.

    Raises
    ------
    InputError
        A missing prerequisite, a folder made from other inputs or by another version, rules
        changed under an earlier stage (each names the command to run), or an input problem.
    """
    if stage not in STAGE_ORDER:
        raise ValueError(f"unknown stage {stage!r}; stages are {', '.join(STAGE_ORDER)}")
    step = step or _no_step
    run = Path(run_dir)
    config_path, cfg, rules, inputs, rules_fp = _prepare(config, run)
    manifest = read_manifest(run)
    needs = STAGE_ORDER[: STAGE_ORDER.index(stage)]
    if stage == "ingest":
        if manifest is None and run.is_dir() and any(run.iterdir()):
            raise InputError(
                "the --run folder holds files but no run-folder manifest; ingest would mix them up",
                path=run,
                fix="choose an empty or new --run folder",
            )
        manifest = {"stages": {}}
        for name in STAGE_ORDER:
            if (run / name).is_dir():
                shutil.rmtree(run / name)
    else:
        _check(manifest, needs, stage, config_path=config_path, run_dir=run, inputs=inputs, rules=rules_fp)
    assert manifest is not None
    before = _load_all(run, needs, cfg, rules, step)
    with step(f"running the {stage} stage"):
        t0 = time.perf_counter()
        result = _run(stage, before, cfg, rules)
        seconds = round(time.perf_counter() - t0, 3)
    run.mkdir(parents=True, exist_ok=True)
    with step(f"saving the {stage} result to {run / stage}"):
        _save_stage(run, stage, result)
    later = STAGE_ORDER[STAGE_ORDER.index(stage) + 1 :]
    for name in later:  # made from the old result: dropped
        if (run / name).is_dir():
            shutil.rmtree(run / name)
    record = {
        "done": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "seconds": seconds,
        "usage": result.usage,  # step → seconds, peak_rss_mb, peak_rss_increase_mb
        "inputs": inputs["all"],
        "rules": rules_fp,
    }
    done = {k: v for k, v in manifest.get("stages", {}).items() if k in needs}
    manifest = {
        "format": 1,
        "version": __version__,
        "config": str(config_path),
        "inputs": inputs,
        "rules": rules_fp["all"],
        "stages": {**done, stage: record},
    }
    _write_json(run / MANIFEST, manifest)
    return result, record


def export_run(
    config: str | Path | None = None,
    run_dir: str | Path = "out/run",
    out_dir: str | Path = "out",
    *,
    step: Step | None = None,
) -> RunResult:
    """Write what ``ruian-land run`` writes, from the seven stage results of a run folder.

    Nothing is computed: the results are loaded, put together (:func:`~ruian_land.pipeline.
    stages.assemble`) and written (:func:`~ruian_land.pipeline.write_outputs`); the map is the
    page the map stage saved.

    Parameters
    ----------
    config : str, Path or None
        The project YAML the run folder was made from.
    run_dir, out_dir : str or Path
        The run folder and the output folder.
    step : callable, optional
        As for :func:`run_stage`.

    Returns
    -------
    RunResult
        With ``paths`` filled.

    Raises
    ------
    InputError
        As for :func:`run_stage` (names the stage command to run first).
    """
    step = step or _no_step
    run = Path(run_dir)
    config_path, cfg, rules, inputs, rules_fp = _prepare(config, run)
    _check(
        read_manifest(run),
        STAGE_ORDER,
        "export",
        config_path=config_path,
        run_dir=run,
        inputs=inputs,
        rules=rules_fp,
    )
    loaded = dict(zip(STAGE_ORDER, _load_all(run, STAGE_ORDER, cfg, rules, step), strict=True))
    result = stages.assemble(
        loaded["ingest"],
        loaded["evaluate"],
        loaded["screen"],
        loaded["simulate"],
        loaded["parks"],
        loaded["map"],
        loaded["trajectory"],
    )
    with step(f"writing {out_dir}"):
        write_outputs(result, out_dir)
    return result
