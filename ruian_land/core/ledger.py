"""The data-quality ledger: every row of every input, kept / repaired / rejected, and why.

Events are recorded per (input, row). A row's status is *rejected* if any event rejected it,
else *repaired* if any event repaired it, else *kept* (rows with no event are kept). Hence
``rows_in == kept + rejected`` for every input, with repaired rows counted among the kept
(DESIGN §3). :meth:`Ledger.check_kept` compares the ledger with the rows that really came
out of a stage, so the invariant is a check and not just arithmetic.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ruian_land.core.cells import defuse_formulas

__all__ = ["ACTIONS", "ACTIONS_ZH", "INPUTS_ZH", "PROBLEMS", "Ledger", "LedgerEvent"]

#: Allowed actions.
ACTIONS: tuple[str, ...] = ("kept", "repaired", "rejected")
ACTIONS_ZH: dict[str, str] = {"kept": "保留", "repaired": "修复后保留", "rejected": "剔除"}
#: Chinese names of the inputs (the bureau files of CONTRACTS §1).
INPUTS_ZH: dict[str, str] = {
    "parcels": "宗地图层",
    "registry": "企业名录(经信局)",
    "tax": "税收(税务局)",
    "statistics": "统计(统计局)",
    "energy": "能耗(发改局)",
    "emissions": "排放(生态环境局)",
    "leases": "厂房租赁(经信局)",
    "control_lines": "工业用地控制线",
    "towns": "乡镇街道",
    "boundary": "行政边界",
    "points": "企业地理编码点位",
    "projects": "招大引强项目",
    "standard_land_contracts": "标准地投资监管协议",
    "firm_history": "企业历年数据",
    "investment": "工业投资",
    "land_supply": "土地供应",
}
#: Stable problem codes with Chinese and English text.
PROBLEMS: dict[str, tuple[str, str]] = {
    "totals_row": ("合计行，不是企业", "totals row, not a firm"),
    "note_row": ("表尾说明行", "note row below the table"),
    "unused_column": ("表头未对应任何字段，未使用", "header matches no field; not used"),
    "optional_field_missing": ("未找到可选字段，按未填处理", "optional field not found; read as not given"),
    "unit_from_header": ("自定义表头的单位已换算", "unit of a project-config header applied"),
    "alias_without_unit": ("自定义表头未写单位，按字段单位读取", "project-config header names no unit"),
    "truncated_row": ("文件在行中途结束（文件不完整？），该行剔除", "file ends mid-row: truncated?"),
    "unparseable_value": ("数值无法识别，按缺失处理", "value unreadable, read as missing"),
    "open_ended_date": (
        "远期占位日期（如9999-12-31），按长期/无日期处理",
        "placeholder far-future date (9999-12-31) read as 长期/no date",
    ),
    "missing_geometry": ("缺少图形", "missing or empty geometry"),
    "not_polygon": ("不是面图形", "geometry is not a polygon"),
    "invalid_geometry": ("图形无效，已修复", "invalid geometry repaired (make_valid)"),
    "empty_after_repair": ("修复后图形为空", "nothing polygonal left after repair"),
    "dropped_parts": ("修复时去除非面部分", "non-polygonal parts dropped in repair"),
    "missing_id": ("缺少宗地代码", "missing parcel code"),
    "duplicate": ("重复记录", "exact duplicate"),
    "conflicting_duplicate": ("代码重复且内容不一致", "conflicting duplicate (same code, different values)"),
    "area_mismatch": ("登记面积与图形面积差异较大", "recorded area differs from geometric area"),
    "missing_code": ("缺少统一社会信用代码", "missing credit code"),
    "uscc_check_failed": ("统一社会信用代码校验位错误", "credit code fails the GB 32100-2015 check"),
    "unknown_firm": ("企业不在企业名录中", "firm not in the registry"),
    "unknown_parcel": ("宗地代码不存在", "parcel not in the parcel layer"),
    "name_mismatch": ("企业名称与名录不一致", "firm name differs from the registry"),
    "other_year": ("非评价年度数据", "row for another year"),
    "missing_value": ("关键字段缺失", "key value missing"),
    "bad_area": ("面积无效", "area missing or not positive"),
    "self_lease": ("承租方即土地权利人", "lessee is the parcel's owner"),
    "leases_exceed_parcel": (
        "租赁面积超过宗地面积，按比例缩减",
        "leased area exceeds parcel area; scaled down",
    ),
    "owner_code_invalid": ("权利人代码校验位错误", "owner code fails the check"),
    "owner_not_in_registry": ("权利人代码不在企业名录中", "owner code not in the registry"),
    "code_repaired": ("代码格式已规范", "code normalised"),
    "overlap": ("宗地之间图形重叠", "parcels overlap (land counted twice)"),
    "sliver_overlap": ("相邻宗地边界细微重叠", "sliver overlap along a shared edge"),
    "polygonized": ("线状边界已转为面", "line outline turned into a polygon"),
    "outside_area": ("点位不在浙江省范围内", "point outside Zhejiang"),
    "located_by_point": ("按地理编码点位关联宗地", "linked to a parcel by its geocoded point"),
    "location_mismatch": ("地理编码点位与关联宗地不一致", "geocoded point lies on another parcel"),
    "located_on_occupied_parcel": (
        "点位落在已有使用企业的宗地上，未关联",
        "point on a parcel occupied by its owner; not linked",
    ),
    "code_stored_as_number": (
        "代码被存为数字，末位丢失",
        "code stored as a number; its last digits are lost",
    ),
    "check_char_mismatch": (
        "代码仅校验位不同，疑为同一企业",
        "code differs only in its check character: probably the same firm",
    ),
    "no_tax_record": ("缺少税收记录", "firm has no tax record"),
    "no_record": ("企业在此表中无记录", "firm has no record in this table"),
    "negative_value": ("负值，已保留", "negative value kept"),
    "implausible_value": ("数值超出合理范围，按未报处理", "implausible value, read as not reported"),
    "future_date": ("日期晚于评价基准日，按未填处理", "date after the evaluation date, read as not given"),
    "sliver_parcel": ("面积过小的碎片宗地", "sliver parcel (area below the minimum)"),
    "repaired_area": ("修复后面积与登记面积对照", "recorded and repaired areas"),
    "repaired_area_mismatch": (
        "修复后面积与登记面积差异较大，请核查图形",
        "area after repair differs from recorded area; check the geometry",
    ),
}
_COLUMNS = ["input", "row", "column", "problem", "action", "detail"]


@dataclass(frozen=True)
class LedgerEvent:
    """One thing that happened to one row (``row`` None = the input as a whole)."""

    input: str
    row: int | None
    column: str | None
    problem: str
    action: str
    detail: str


class Ledger:
    """Record of what validation and linking did to each input row.

    Examples
    --------
    >>> led = Ledger()
    >>> led.rows_in("tax", 3)
    >>> led.record("tax", 3, None, "totals_row", "rejected", "合计 row, not a firm")
    >>> led.summary()["tax"]
    {'rows_in': 3, 'kept': 2, 'repaired': 0, 'rejected': 1}
    """

    def __init__(self) -> None:
        self._rows_in: dict[str, int] = {}
        self._events: list[LedgerEvent] = []
        self._files: dict[str, str] = {}
        self._row_offset: dict[str, int] = {}

    def set_file(self, input: str, path: str | Path, *, first_data_line: int | None = None) -> None:
        """Name the file an input was read from (shown in every event row of ``issues.csv``).

        Parameters
        ----------
        input : str
            Input name.
        path : str or Path
            The file.
        first_data_line : int, optional
            1-based spreadsheet row / CSV line of data row 1 (title and header rows counted),
            ``read_table``'s ``attrs['first_data_line']``: then ``file_row = row +
            first_data_line − 1`` is the row number a planner sees in Excel. Default: the row
            number itself (features of a layer, numbered from 1).
        """
        self._files[input] = str(path)
        if first_data_line is not None:
            self._row_offset[input] = int(first_data_line) - 1

    def file_row(self, input: str, row: int | None) -> int | None:
        """The spreadsheet row / CSV line (1-based, header and title rows counted) of data row
        ``row`` of ``input``; the feature number for layers; ``None`` for ``None``."""
        if row is None or pd.isna(row):
            return None
        return int(row) + self._row_offset.get(input, 0)

    def where(self, input: str, row: int | None) -> str:
        """``'row 7'`` (the file row of data row ``row``, as :meth:`file_row`) for details."""
        fr = self.file_row(input, row)
        return "the input as a whole" if fr is None else f"row {fr}"

    @property
    def files(self) -> dict[str, str]:
        """Input name → file path, as declared with :meth:`set_file`."""
        return dict(self._files)

    def rows_in(self, input: str, n: int) -> None:
        """Declare how many data rows ``input`` has in its file (totals rows included)."""
        if n < 0:
            raise ValueError(f"rows_in for {input!r} must be ≥ 0, got {n}")
        self._rows_in[input] = int(n)

    def declared(self, input: str) -> bool:
        """True when :meth:`rows_in` was declared for ``input`` (its row events can be counted)."""
        return input in self._rows_in

    def record(
        self,
        input: str,
        row: int | None,
        column: str | None,
        problem: str,
        action: str,
        detail: str = "",
    ) -> None:
        """Record one event.

        Parameters
        ----------
        input : str
            Input name (``parcels``, ``registry``, ``tax`` …).
        row : int or None
            1-based ``source_row`` of the row (data rows counted from the first row below the
            header; :meth:`file_row` turns it into the spreadsheet row), or None for the input
            as a whole.
        column : str or None
            Canonical column concerned.
        problem : str
            A code of :data:`PROBLEMS` (other texts allowed, shown as is).
        action : str
            ``kept`` (noted, nothing changed), ``repaired`` (changed and kept) or ``rejected``.
        detail : str
            Values and reasons a planner can act on.
        """
        if action not in ACTIONS:
            raise ValueError(f"action must be one of {ACTIONS}, got {action!r}")
        r = None if row is None or pd.isna(row) else int(row)
        self._events.append(LedgerEvent(input, r, column, problem, action, str(detail)))

    def extend(self, other: Ledger) -> None:
        """Add another ledger's declarations and events."""
        self._rows_in.update(other._rows_in)
        self._events.extend(other._events)
        self._files.update(other._files)
        self._row_offset.update(other._row_offset)

    def add_events(self, events: Iterable[LedgerEvent]) -> None:
        """Append events recorded elsewhere (e.g. :meth:`events_since` of a forked copy), in order."""
        self._events.extend(events)

    def events_since(self, n: int) -> list[LedgerEvent]:
        """The events recorded after the first ``n`` (``n = len(ledger.events)`` taken before)."""
        return self._events[n:]

    def to_dict(self) -> dict[str, Any]:
        """Everything the ledger holds as plain JSON-able values (read back by :meth:`from_dict`)."""
        return {
            "rows_in": dict(self._rows_in),
            "events": [list(dataclasses.astuple(e)) for e in self._events],
            "files": dict(self._files),
            "row_offset": dict(self._row_offset),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Ledger:
        """A ledger from :meth:`to_dict` output (declarations, events in order, files, row offsets)."""
        out = cls()
        out._rows_in = {str(k): int(v) for k, v in data.get("rows_in", {}).items()}
        out._events = [LedgerEvent(*e) for e in data.get("events", [])]
        out._files = {str(k): str(v) for k, v in data.get("files", {}).items()}
        out._row_offset = {str(k): int(v) for k, v in data.get("row_offset", {}).items()}
        return out

    @property
    def events(self) -> list[LedgerEvent]:
        """All events in recording order."""
        return list(self._events)

    def status(self, input: str) -> dict[int, str]:
        """Status of each row of ``input`` that has an event: ``rejected`` > ``repaired`` > ``kept``."""
        rank = {"kept": 0, "repaired": 1, "rejected": 2}
        out: dict[int, str] = {}
        for e in self._events:
            if e.input != input or e.row is None:
                continue
            current = out.get(e.row)
            if current is None or rank[e.action] > rank[current]:
                out[e.row] = e.action
        return out

    def rejected_rows(self, input: str) -> set[int]:
        """``source_row`` numbers of the rejected rows of ``input``."""
        return {r for r, s in self.status(input).items() if s == "rejected"}

    def summary(self) -> dict[str, dict[str, int]]:
        """Per input: ``rows_in``, ``kept``, ``repaired``, ``rejected`` (rows_in == kept + rejected).

        Raises
        ------
        ValueError
            When events name an input whose ``rows_in`` was never declared, or more rows were
            rejected than declared.
        """
        names = list(self._rows_in) + sorted({e.input for e in self._events} - set(self._rows_in))
        out: dict[str, dict[str, int]] = {}
        for name in names:
            if name not in self._rows_in:
                raise ValueError(f"ledger events for {name!r} but rows_in was never declared")
            status = self.status(name)
            rejected = sum(s == "rejected" for s in status.values())
            repaired = sum(s == "repaired" for s in status.values())
            n = self._rows_in[name]
            if rejected > n:
                raise ValueError(f"{name}: {rejected} rows rejected but only {n} declared")
            out[name] = {"rows_in": n, "kept": n - rejected, "repaired": repaired, "rejected": rejected}
        return out

    def check_kept(self, input: str, n_out: int) -> None:
        """Assert that ``n_out`` rows of ``input`` came out of the stage, as the ledger says.

        Raises
        ------
        RuntimeError
            On a mismatch (a row lost or invented without a ledger entry): a bug, not bad input.
        """
        kept = self.summary()[input]["kept"]
        if kept != n_out:
            raise RuntimeError(f"ledger says {kept} {input} rows kept but {n_out} came out")

    def to_frame(self) -> pd.DataFrame:
        """All events: ``input, input_zh, file, file_row, row, column, problem, problem_zh,
        problem_en, action, action_zh, detail`` (one row per event, recording order; ``file``
        from :meth:`set_file`, empty when not declared; ``file_row`` is the row a planner sees
        in Excel or a text editor (1-based, title and header rows counted; the feature number
        for layers), ``row`` the 1-based data row (``source_row``), ``detail`` says what was
        found and what was done, naming other rows by their file row)."""
        rows = []
        for e in self._events:
            zh, en = PROBLEMS.get(e.problem, (e.problem, e.problem))
            rows.append(
                {
                    "input": e.input,
                    "input_zh": INPUTS_ZH.get(e.input, e.input),
                    "file": self._files.get(e.input, ""),
                    "file_row": self.file_row(e.input, e.row),
                    "row": e.row,
                    "column": e.column,
                    "problem": e.problem,
                    "problem_zh": zh,
                    "problem_en": en,
                    "action": e.action,
                    "action_zh": ACTIONS_ZH[e.action],
                    "detail": e.detail,
                }
            )
        frame = pd.DataFrame(
            rows,
            columns=[
                *_COLUMNS[:4],
                "input_zh",
                "file",
                "file_row",
                "problem_zh",
                "problem_en",
                "action",
                "action_zh",
                "detail",
            ],
        )
        frame["row"] = frame["row"].astype("Int64")
        frame["file_row"] = frame["file_row"].astype("Int64")
        order = [
            "input",
            "input_zh",
            "file",
            "file_row",
            "row",
            "column",
            "problem",
            "problem_zh",
            "problem_en",
            "action",
            "action_zh",
            "detail",
        ]
        return frame[order]

    def summary_frame(self) -> pd.DataFrame:
        """:meth:`summary` as a table with Chinese input names."""
        rows = [{"input": k, "input_zh": INPUTS_ZH.get(k, k), **v} for k, v in self.summary().items()]
        return pd.DataFrame(rows, columns=["input", "input_zh", "rows_in", "kept", "repaired", "rejected"])

    def write(
        self, qa_dir: str | Path, *, meta: Mapping[str, Mapping[str, Any]] | None = None
    ) -> dict[str, Path]:
        """Write ``ledger_summary.csv``, ``issues.csv``, ``unused_columns.csv`` (UTF-8 with BOM, for
        Excel) and ``report.md``.

        ``unused_columns.csv`` lists, per input, the headers that matched no field and the
        optional fields that were not found (the ``unused_column`` / ``optional_field_missing``
        events of :func:`ruian_land.core.map_columns`), so a renamed 环保处罚 column is seen.

        Parameters
        ----------
        qa_dir : str or Path
            Folder, created if needed (``out/qa``).
        meta : mapping, optional
            Per-input facts for the report (``path``, ``encoding``, ``encoding_reason``), e.g.
            :attr:`ruian_land.io.Inputs.meta`.

        Returns
        -------
        dict
            ``{'summary': path, 'issues': path, 'columns': path, 'report': path}``.
        """
        qa = Path(qa_dir)
        qa.mkdir(parents=True, exist_ok=True)
        paths = {
            "summary": qa / "ledger_summary.csv",
            "issues": qa / "issues.csv",
            "columns": qa / "unused_columns.csv",
            "report": qa / "report.md",
        }
        summary = self.summary_frame()
        summary.rename(columns=_BILINGUAL).to_csv(paths["summary"], index=False, encoding="utf-8-sig")
        issues = self.to_frame()
        defused = defuse_formulas(issues)  # a detail quoting "=HYPERLINK(…)" cannot run in Excel
        defused.rename(columns=_BILINGUAL).to_csv(paths["issues"], index=False, encoding="utf-8-sig")
        unused = defused.loc[
            defused["problem"].isin(["unused_column", "optional_field_missing"]),
            ["input", "input_zh", "file", "problem", "problem_zh", "column", "detail"],
        ]
        unused.rename(columns=_BILINGUAL).to_csv(paths["columns"], index=False, encoding="utf-8-sig")
        files = {k: {"path": v} for k, v in self._files.items()}
        facts = {**files, **{k: dict(v) for k, v in (meta or {}).items()}}
        paths["report"].write_text(self._report(summary, issues, facts), encoding="utf-8")
        return paths

    def _report(
        self, summary: pd.DataFrame, issues: pd.DataFrame, meta: Mapping[str, Mapping[str, Any]]
    ) -> str:
        lines = [
            "# 数据质量报告 / Data-quality report",
            "",
            "每个输入文件的每一行：保留、修复后保留或剔除。rows_in = kept + rejected（修复的行计入保留）。",
            "Every row of every input: kept, repaired (and kept) or rejected. rows_in = kept + rejected.",
            "",
            "| 输入 input | 行数 rows_in | 保留 kept | 其中修复 repaired | 剔除 rejected |",
            "|---|---:|---:|---:|---:|",
        ]
        for r in summary.itertuples(index=False):
            lines.append(
                f"| {r.input_zh} ({r.input}) | {r.rows_in} | {r.kept} | {r.repaired} | {r.rejected} |"
            )
        if meta:
            lines += ["", "## 文件 / Files", ""]
            for name, m in meta.items():
                enc = m.get("encoding")
                why = f" ({m.get('encoding_reason')})" if m.get("encoding_reason") else ""
                lines.append(
                    f"- {INPUTS_ZH.get(name, name)} `{m.get('path')}`"
                    + (f": encoding {enc}{why}" if enc else "")
                )
        if not issues.empty:
            lines += [
                "",
                "## 问题汇总 / Problems by input",
                "",
                "| 输入 input | 问题 problem | 处理 action | 行数 rows |",
                "|---|---|---|---:|",
            ]
            counts = issues.groupby(["input", "problem", "problem_zh", "action"], sort=False).size()
            for rec in counts.reset_index(name="n").to_dict("records"):
                inp, act = str(rec["input"]), str(rec["action"])
                lines.append(
                    f"| {INPUTS_ZH.get(inp, inp)} | {rec['problem_zh']} ({rec['problem']}) | "
                    f"{ACTIONS_ZH[act]} ({act}) | {rec['n']} |"
                )
            lines += [
                "",
                "Details, row by row: `issues.csv` (UTF-8 with BOM, opens in Excel); its 文件行号 file_row "
                "is the row number Excel shows (title and header rows counted; feature number for layers).",
                "",
            ]
        lines += _columns_section(issues)
        return "\n".join(lines) + "\n"


def _columns_section(issues: pd.DataFrame) -> list[str]:
    """report.md lines: per input, the headers not used and the optional fields not found."""
    cols = (
        issues[issues["problem"].isin(["unused_column", "optional_field_missing"])] if len(issues) else issues
    )
    if cols.empty:
        return []
    lines = [
        "## 未使用的表头与未找到的可选字段 / Unused headers and optional fields not found",
        "",
        "A renamed optional column (环保处罚 → 环境违法处罚) is read as not given: map it under `columns:` "
        "in the project config. Details: `unused_columns.csv`.",
        "",
        "| 输入 input | 未使用的表头 unused headers | 未找到的可选字段 optional fields not found |",
        "|---|---|---|",
    ]
    for inp, g in cols.groupby("input", sort=False):
        unused = ", ".join(g.loc[g["problem"] == "unused_column", "column"].astype(str))
        missing = ", ".join(g.loc[g["problem"] == "optional_field_missing", "column"].astype(str))
        lines.append(f"| {INPUTS_ZH.get(str(inp), str(inp))} | {unused or '—'} | {missing or '—'} |")
    return [*lines, ""]


_BILINGUAL = {
    "input": "输入 input",
    "input_zh": "输入名称",
    "file": "文件 file",
    "file_row": "文件行号 file_row",
    "row": "数据行 row",
    "column": "字段 column",
    "problem": "问题代码 problem",
    "problem_zh": "问题",
    "problem_en": "problem (English)",
    "action": "处理 action",
    "action_zh": "处理方式",
    "detail": "说明 detail",
    "rows_in": "读入行数 rows_in",
    "kept": "保留 kept",
    "repaired": "其中修复 repaired",
    "rejected": "剔除 rejected",
}
