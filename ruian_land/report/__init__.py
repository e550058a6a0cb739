"""The leadership report (领导小组汇报): one self-contained, printable Chinese HTML page of a run.

Built from plain pieces of a finished run (``summary.json``, sites, parcels, firms, the rule table,
the ledger summary and the 整治清单 summaries), so this folder sits below ``pipeline``::

    from ruian_land.report import write_report
    write_report("out/report.html", summary=r.summary, sites=r.sites, parcels=r.parcels,
                 firms=r.firms, rules_frame=r.rules.to_frame(), ledger_summary=r.ledger.summary(),
                 towns=r.towns, control_lines=r.control_lines,
                 rectification_summary=r.rectification_summary)
"""

from __future__ import annotations

from ruian_land.report.figures import CJK_FONTS, cjk_rc, figure_img
from ruian_land.report.format import MISSING, Cell, esc, format_number, format_share, table_html
from ruian_land.report.html import REPORT_CSS, build_report_html, write_report
from ruian_land.report.places import top_sites
from ruian_land.report.sections import CLASS_LABELS, RULE_STATUS_ZH, TARGET_ROWS, section, target_status

__all__ = [
    "CJK_FONTS",
    "CLASS_LABELS",
    "MISSING",
    "REPORT_CSS",
    "RULE_STATUS_ZH",
    "TARGET_ROWS",
    "Cell",
    "build_report_html",
    "cjk_rc",
    "esc",
    "figure_img",
    "format_number",
    "format_share",
    "section",
    "table_html",
    "target_status",
    "top_sites",
    "write_report",
]
