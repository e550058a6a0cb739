"""Same inputs, same outputs — and no network while the main job runs.

The main job is run a second time with every socket connection refused; its exports and QA are
compared with the session's first run: CSV, JSON (apart from timings), Markdown and HTML maps byte
for byte after removing folium's random element ids; xlsx cell by cell (the file format embeds a
creation time); GeoPackage feature by feature.
"""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path
from typing import Any

import geopandas as gpd
import openpyxl
import pytest

from ruian_land import pipeline

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ROOT / "data" / "project.yaml"
_FOLIUM_ID = re.compile(r"_[0-9a-f]{32}")  # folium names elements <kind>_<uuid4 hex>


def _no_network(*args: object, **kwargs: object) -> None:
    raise AssertionError(f"the main job tried to connect: {args!r}")


@pytest.fixture(scope="module")
def second_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not PROJECT.exists():
        pytest.skip("sample county not generated")
    out = tmp_path_factory.mktemp("second_run")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", _no_network)
        mp.setattr(socket.socket, "connect_ex", _no_network)
        mp.setattr(socket, "create_connection", _no_network)
        pipeline.run(PROJECT, out)
    return out


def _is_timing(key: Any) -> bool:
    """Timings and memory differ between runs: solver ``*_time_s`` and ``summary.json`` ``stages``."""
    return str(key).endswith("_time_s") or key == "stages"


def _strip_timings(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_timings(v) for k, v in value.items() if not _is_timing(k)}
    if isinstance(value, list):
        return [_strip_timings(v) for v in value]
    return value


def _files(folder: Path) -> list[Path]:
    return sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file())


def test_same_files_and_same_content(sample_run: tuple[Any, Path], second_run: Path) -> None:
    first = sample_run[1]
    assert _files(first) == _files(second_run)
    checked = 0
    for rel in _files(first):
        a, b = first / rel, second_run / rel
        suffix = rel.suffix.lower()
        if suffix == ".json":
            assert _strip_timings(json.loads(a.read_text("utf-8"))) == _strip_timings(
                json.loads(b.read_text("utf-8"))
            ), rel
        elif suffix == ".html":
            assert _FOLIUM_ID.sub("", a.read_text("utf-8")) == _FOLIUM_ID.sub("", b.read_text("utf-8")), rel
        elif suffix == ".xlsx":
            wa, wb = openpyxl.load_workbook(a), openpyxl.load_workbook(b)
            assert wa.sheetnames == wb.sheetnames, rel
            for name in wa.sheetnames:
                va = [list(r) for r in wa[name].iter_rows(values_only=True)]
                vb = [list(r) for r in wb[name].iter_rows(values_only=True)]
                assert va == vb, f"{rel} sheet {name}"
        elif suffix == ".gpkg":
            for layer in gpd.list_layers(a)["name"]:
                ga, gb = gpd.read_file(a, layer=layer), gpd.read_file(b, layer=layer)
                assert ga.equals(gb), f"{rel} layer {layer}"
        else:  # csv, md, svg, shapefile parts …
            assert a.read_bytes() == b.read_bytes(), rel
        checked += 1
    assert checked >= 10
