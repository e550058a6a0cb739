"""The six notebooks run top to bottom and give exactly the numbers of ``ruian-land run``.

Each notebook ends its main part with a ``figures`` dict keyed by dotted ``summary.json`` paths
(``class_counts.A``, ``scenario.freed_area_mu``, ``ledger.parcels.rejected``). The test appends a
cell that prints it, executes the notebook with nbclient, and compares every figure with the
``summary.json`` that the CLI wrote for the same sample county.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
EXPECTED = [
    "01_quickstart.ipynb",
    "02_intake_qa.ipynb",
    "03_evaluation.ipynb",
    "04_low_efficiency.ipynb",
    "05_scenario.ipynb",
    "06_maps_sites.ipynb",
]
#: Notebooks that show the Folium map inline.
WITH_MAP = {"01_quickstart.ipynb", "06_maps_sites.ipynb"}
MARK = "FIGURES-JSON:"

pytestmark = pytest.mark.notebook


def test_the_six_notebooks_are_there() -> None:
    assert [p.name for p in NOTEBOOKS] == EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_stored_without_outputs(path: Path) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell.get("outputs", []) == [], f"{path.name} holds outputs"
            assert cell.get("execution_count") is None
            # no frame surgery between stages: notebooks go through the Project, not the stage internals
            assert "pipeline.run_stages" not in "".join(cell["source"])


@pytest.fixture(scope="session")
def cli_summary(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """``summary.json`` of ``ruian-land run`` on the sample county (a real subprocess)."""
    out = tmp_path_factory.mktemp("cli_run")
    proc = subprocess.run(
        [sys.executable, "-m", "ruian_land", "run", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _lookup(summary: dict[str, Any], dotted: str) -> Any:
    value: Any = summary
    for part in dotted.split("."):
        assert isinstance(value, dict) and part in value, f"summary.json has no {dotted!r}"
        value = value[part]
    return value


def _execute(path: Path) -> tuple[nbformat.NotebookNode, dict[str, Any]]:
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(
        nbformat.v4.new_code_cell(f'import json as _j\nprint("{MARK}" + _j.dumps(figures, default=float))')
    )
    client = NotebookClient(
        nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()
    errors = [
        f"{out.get('ename')}: {out.get('evalue')}"
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
        if out.get("output_type") == "error"
    ]
    assert not errors, errors
    text = "".join(out.get("text", "") for out in nb.cells[-1].get("outputs", []))
    assert MARK in text, f"{path.name}: no figures printed"
    return nb, json.loads(text.split(MARK, 1)[1])


@pytest.mark.skipif(not (ROOT / "data" / "project.yaml").exists(), reason="sample county not generated")
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_executes_and_matches_the_cli(path: Path, cli_summary: dict[str, Any]) -> None:
    nb, figures = _execute(path)
    assert len(figures) >= 2, f"{path.name}: too few figures to compare"
    for key, value in figures.items():
        expected = _lookup(cli_summary, key)
        # summary.json rounds floats to 4 decimals (pipeline.summary); integers compare exactly
        assert value == pytest.approx(expected, rel=0, abs=5e-5), f"{path.name}: {key}"
    if path.name in WITH_MAP:
        html = "".join(
            out.get("data", {}).get("text/html", "")
            for cell in nb.cells
            if cell.cell_type == "code"
            for out in cell.get("outputs", [])
        )
        assert "leaflet" in html.lower()
    plots = sum(
        "image/png" in out.get("data", {})
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.get("outputs", [])
    )
    if path.name in {"03_evaluation.ipynb", "04_low_efficiency.ipynb", "05_scenario.ipynb"}:
        assert plots >= 1, f"{path.name}: the plot did not render"
