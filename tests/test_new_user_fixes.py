"""Fixes from a new user's adversarial run on a clean clone (each a tiny project or a config).

Every case here failed before its fix: a crash (exit 1), a silent wrong result, or a message that
pointed at a file the failed run does not write.
"""

from __future__ import annotations

from pathlib import Path

from test_bad_input import _csv, run_cli, tiny_project

# --------------------------------------------------------------------------- empty lease table


def test_run_with_an_empty_lease_table_and_no_town_column_exits_0(tmp_path: Path) -> None:
    """A lease table with headers and no rows means "no leases"; parcels without 所在乡镇/园区 are fine."""
    _csv(tmp_path / "租赁.csv", [["承租企业代码", "承租企业名称", "宗地代码", "租用面积(平方米)"]])
    project = tiny_project(tmp_path, extra_sources="  leases: {path: 租赁.csv}\n")
    res = run_cli(project, tmp_path / "out")
    assert res.exit_code == 0, res.output
    assert (tmp_path / "out" / "summary.json").exists()
