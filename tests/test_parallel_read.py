"""Sources read in two processes give what one process reading them in order gives: the same
frames, ledger rows, meta, warnings and errors, in the config's order."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from ruian_land.core import InputError, Ledger
from ruian_land.io import inputs as io_inputs
from ruian_land.io import load_inputs
from ruian_land.validate import run as validate_run

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"

pytestmark = pytest.mark.skipif(not (DATA / "project.yaml").exists(), reason="sample county not present")


def _project(tmp_path: Path, edit: Any = None) -> Path:
    data = tmp_path / "data"
    shutil.copytree(DATA, data, ignore=shutil.ignore_patterns("raster", "source", "periods"))
    cfg = yaml.safe_load((DATA / "project.yaml").read_text(encoding="utf-8"))
    cfg["sources"].pop("built_up", None)
    cfg["sources"]["tax"].pop("encoding")  # undeclared GBK: the reader warns which it chose
    if edit is not None:
        edit(cfg, data)
    (data / "project.yaml").write_text(
        yaml.safe_dump(cfg, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    return data / "project.yaml"


def _load(project: Path, threshold: int, problems: list[InputError] | None = None) -> tuple[Any, list[Any]]:
    old = io_inputs.PARALLEL_READ_BYTES
    io_inputs.PARALLEL_READ_BYTES = threshold
    try:
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            try:
                result: Any = load_inputs(project, problems=problems)
            except InputError as exc:
                result = exc
    finally:
        io_inputs.PARALLEL_READ_BYTES = old
    return result, [(w.category, str(w.message)) for w in seen]


ONE, TWO = 10**15, 0  # thresholds: never split, always split


def test_two_processes_read_what_one_reads(tmp_path: Path) -> None:
    project = _project(tmp_path)
    one, warned_one = _load(project, ONE)
    two, warned_two = _load(project, TWO)
    assert warned_one == warned_two and any("税收_税务局.csv" in m for _, m in warned_one)
    assert (
        list(one.frames())
        == list(two.frames())
        == [
            "parcels",
            "registry",
            "tax",
            "statistics",
            "energy",
            "emissions",
            "leases",
            "control_lines",
            "towns",
            "boundary",
        ]
    )
    for name, frame in one.frames().items():
        pd.testing.assert_frame_equal(frame, two.frames()[name], check_exact=True, obj=name)
        assert frame.attrs.keys() == two.frames()[name].attrs.keys()
    assert (
        list(one.other)
        == list(two.other)
        == ["firm_history", "investment", "projects", "standard_land_contracts"]
    )
    for name, frame in one.other.items():
        pd.testing.assert_frame_equal(frame, two.other[name], check_exact=True, obj=name)
    pd.testing.assert_frame_equal(one.issues, two.issues)
    pd.testing.assert_frame_equal(one.dropped, two.dropped)
    assert one.rows_in == two.rows_in and one.rows_in["parcels"] == len(one.parcels)
    assert list(one.meta) == list(two.meta) and one.meta == two.meta


def _break_two(cfg: dict[str, Any], data: Path) -> None:
    (data / "enterprises" / "能耗_发改局.xlsx").unlink()  # energy: a missing file
    (data / "enterprises" / "排放_生态环境局.csv").write_text("甲,乙\n1,2\n", encoding="utf-8")  # no columns


def test_errors_come_in_the_config_order_either_way(tmp_path: Path) -> None:
    project = _project(tmp_path, _break_two)
    first_one, _ = _load(project, ONE)
    first_two, _ = _load(project, TWO)
    assert isinstance(first_one, InputError) and isinstance(first_two, InputError)
    assert str(first_one) == str(first_two) and "能耗_发改局.xlsx" in str(
        first_one
    )  # energy before emissions

    found_one: list[InputError] = []
    found_two: list[InputError] = []
    inputs_one, _ = _load(project, ONE, found_one)
    inputs_two, _ = _load(project, TWO, found_two)
    assert [str(e) for e in found_one] == [str(e) for e in found_two]
    assert len(found_one) == 2 and "能耗" in str(found_one[0]) and "排放" in str(found_one[1])
    assert inputs_one.energy is None and inputs_two.energy is None and inputs_two.emissions is None
    pd.testing.assert_frame_equal(inputs_one.registry, inputs_two.registry)


def test_sources_split_by_bytes_into_two_even_groups(tmp_path: Path) -> None:
    project = _project(tmp_path)
    cfg = io_inputs.load_config(project)
    sizes = {n: io_inputs._source_bytes(cfg, n) for n in cfg.sources}
    shp = DATA / "parcels" / "宗地.shp"
    assert sizes["parcels"] == shp.stat().st_size + shp.with_suffix(".dbf").stat().st_size
    assert sizes["registry"] == (DATA / "enterprises" / "企业名录_经信局.xlsx").stat().st_size
    # by hand: a 10 → first; b 7 → second; c 5 → second (10 > 7); d 1 → first (10 < 12)
    split = io_inputs._split_by_bytes(["d", "c", "b", "a"], {"a": 10, "b": 7, "c": 5, "d": 1})  # type: ignore[list-item,dict-item]
    assert split == (["d", "a"], ["c", "b"])


def test_parcels_and_firms_validated_at_once_give_the_same_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _project(tmp_path)
    cfg = io_inputs.load_config(project)
    inputs = load_inputs(cfg)
    rules = cfg.load_rules()
    runs = []
    for split in (False, True):
        monkeypatch.setattr(validate_run, "_split_validation", lambda _inputs, split=split: split)
        ledger = Ledger()
        clean = validate_run.validate_inputs(inputs, ledger, rules=rules, as_of=cfg.evaluation_date)
        runs.append((clean, ledger))
    (one, led_one), (two, led_two) = runs
    pd.testing.assert_frame_equal(one.parcels, two.parcels, check_exact=True)
    pd.testing.assert_frame_equal(one.firms, two.firms, check_exact=True)
    pd.testing.assert_frame_equal(one.leases, two.leases, check_exact=True)
    assert led_one.events == led_two.events and led_one.summary() == led_two.summary()
    inputs_seen = {e.input for e in led_two.events}
    assert {"parcels", "registry", "tax"} <= inputs_seen  # both sides recorded (order: as in one process)
