"""Personal fields are masked at intake, so no export, map or report can show them; config paths
stay inside the project folder unless the config allows others."""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import yaml

from ruian_land import pipeline
from ruian_land.config import ProjectConfig, load_config
from ruian_land.core import InputError, mask_personal, mask_value, personal_columns

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
needs_data = pytest.mark.skipif(not (DATA / "project.yaml").exists(), reason="sample county not generated")
PEOPLE = {"法定代表人": "张三丰", "联系电话": "0577-6512 3456", "法人身份证号": "330381198001011234"}


@pytest.mark.parametrize(
    ("value", "kind", "masked"),
    [
        ("张三丰", "name", "张**"),
        ("欧阳", "name", "欧*"),
        ("13812345678", "phone", "138****5678"),
        ("0577-6512 3456", "phone", "057*****3456"),
        ("330381198001011234", "id", "330381********1234"),
        ("12", "phone", "***"),
        (None, "name", None),
    ],
)
def test_mask_value(value: object, kind: str, masked: object) -> None:
    assert mask_value(value, kind) == masked


def test_personal_columns_by_header() -> None:
    cols = [
        "统一社会信用代码",
        "企业名称",
        "法定代表人",
        "联系 电话",
        "法定代表人身份证号",
        "手机号码",
        "负责人",
    ]
    assert personal_columns(cols) == {
        "法定代表人": "name",
        "联系 电话": "phone",
        "法定代表人身份证号": "id",
        "手机号码": "phone",
        "负责人": "name",
    }
    frame = pd.DataFrame({"企业名称": ["瑞安市甲公司"], "法定代表人": ["张三丰"]})
    out, found = mask_personal(frame)
    assert found == {"法定代表人": "name"} and out["法定代表人"].tolist() == ["张**"]
    assert frame["法定代表人"].tolist() == ["张三丰"]  # input untouched
    assert out["企业名称"].tolist() == ["瑞安市甲公司"]


@pytest.fixture(scope="module")
def county_with_people(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample county whose registry also lists each firm's 法定代表人, phone and ID number."""
    data = tmp_path_factory.mktemp("people") / "data"
    shutil.copytree(DATA, data)
    book = data / "enterprises" / "企业名录_经信局.xlsx"
    wb = openpyxl.load_workbook(book)
    ws = wb["企业名录"]
    header = next(r for r in range(1, 6) if ws.cell(r, 1).value == "统一社会信用代码")
    first = ws.max_column + 1
    for k, (head, value) in enumerate(PEOPLE.items()):
        ws.cell(header, first + k).value = head
        for r in range(header + 1, ws.max_row + 1):
            if ws.cell(r, 1).value:
                ws.cell(r, first + k).value = value
    wb.save(book)
    return data


def _texts(folder: Path) -> str:
    parts = []
    for p in folder.rglob("*"):
        if p.suffix in {".csv", ".json", ".html", ".md", ".svg"}:
            parts.append(p.read_text(encoding="utf-8-sig", errors="replace"))
        elif p.suffix == ".xlsx":
            wb = openpyxl.load_workbook(p)
            parts += [str(v) for ws in wb for row in ws.iter_rows(values_only=True) for v in row]
        elif p.is_file():
            parts.append(p.read_bytes().decode("utf-8", errors="replace"))
    return "\n".join(parts)


@needs_data
def test_no_personal_value_reaches_any_output(county_with_people: Path, tmp_path: Path) -> None:
    project = pipeline.Project.from_config(county_with_people / "project.yaml")
    registry = project.ingest().inputs.registry
    assert set(registry["法定代表人"]) == {"张**"} and set(registry["联系电话"]) == {"057*****3456"}
    project.export(tmp_path / "out")
    project.report(tmp_path / "out" / "report.html")
    text = _texts(tmp_path / "out")
    for value in (*PEOPLE.values(), "65123456", "198001011234"):
        assert value not in text, value


@needs_data
def test_masking_can_be_turned_off_for_an_internal_list(county_with_people: Path, tmp_path: Path) -> None:
    cfg = yaml.safe_load((county_with_people / "project.yaml").read_text(encoding="utf-8"))
    cfg["privacy"] = {"mask_personal": False}
    (county_with_people / "internal.yaml").write_text(
        yaml.safe_dump(cfg, allow_unicode=True), encoding="utf-8"
    )
    project = pipeline.Project.from_config(county_with_people / "internal.yaml")
    assert set(project.ingest().inputs.registry["法定代表人"]) == {"张三丰"}


def test_source_paths_stay_inside_the_project_folder(tmp_path: Path) -> None:
    base = {"name": "x", "root": str(tmp_path)}
    inside = {k: {"path": f"d/{k}.csv"} for k in ("parcels", "registry", "tax")}
    cfg = ProjectConfig(**base, sources=inside)
    assert cfg.path("tax") == (tmp_path / "d" / "tax.csv").resolve()
    outside = {**inside, "tax": {"path": "../../etc/passwd"}}
    with pytest.raises(InputError, match="outside the project folder"):
        ProjectConfig(**base, sources=outside).path("tax")
    absolute = {**inside, "tax": {"path": "/etc/passwd"}}
    with pytest.raises(InputError, match="allow_outside_paths: true"):
        ProjectConfig(**base, sources=absolute).path("tax")
    allowed = ProjectConfig(**base, sources=absolute, allow_outside_paths=True)
    assert allowed.path("tax") == Path("/etc/passwd")


def test_load_config_keeps_the_sample_inside(tmp_path: Path) -> None:
    if not (DATA / "project.yaml").exists():
        pytest.skip("sample county not generated")
    cfg = load_config(DATA / "project.yaml")
    assert all(cfg.path(s).is_relative_to(DATA.resolve()) for s in cfg.sources)
