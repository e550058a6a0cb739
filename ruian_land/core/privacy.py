"""Personal fields (法定代表人, phone numbers, ID numbers) masked as soon as a table is read.

Bureau registries often carry a firm's 法定代表人, 联系人, 联系电话 and sometimes a 身份证号. The
analysis never needs them, and a map or spreadsheet passed around the 工作专班 must not spread
them. :func:`mask_personal` finds such columns by their header and masks every value:

* a person's name keeps its first character: ``张三丰`` → ``张**``;
* a phone number keeps its first three and last four digits: ``13812345678`` → ``138****5678``;
* an ID number keeps its 6-digit division code and last four characters:
  ``330381198001011234`` → ``330381********1234``;
* anything else in such a column is replaced by ``***``.

Masking happens at intake (:func:`ruian_land.io.load_inputs`), so no later stage, export, map or
report can show the original; ``privacy: {mask_personal: false}`` in the project config keeps the
values (e.g. for an internal contact list). Basis: 《中华人民共和国个人信息保护法》第六条 (minimum
necessary) and GB/T 35273-2020 §3.14 (去标识化).
"""

from __future__ import annotations

import re

import pandas as pd

__all__ = ["PERSONAL_HEADERS", "mask_personal", "mask_value", "personal_columns"]

#: Header fragments → kind of personal field. Matched against the header with spaces removed.
PERSONAL_HEADERS: dict[str, str] = {
    "身份证": "id",
    "证件号": "id",
    "身份号码": "id",
    "电话": "phone",
    "手机": "phone",
    "联系方式": "phone",
    "法定代表人": "name",
    "法人代表": "name",
    "联系人": "name",
    "负责人": "name",
    "经办人": "name",
}
_DIGITS = re.compile(r"\d")


def personal_columns(columns: pd.Index | list[str]) -> dict[str, str]:
    """Columns whose header names a personal field → its kind (``name``, ``phone``, ``id``).

    An ID header wins over a name header (``法定代表人身份证号`` is an ID).
    """
    out: dict[str, str] = {}
    for col in columns:
        text = re.sub(r"\s+", "", str(col))
        kinds = {kind for fragment, kind in PERSONAL_HEADERS.items() if fragment in text}
        for kind in ("id", "phone", "name"):
            if kind in kinds:
                out[str(col)] = kind
                break
    return out


def mask_value(value: object, kind: str) -> object:
    """One masked value (missing values stay missing)."""
    if value is None or (isinstance(value, float) and value != value):
        return value
    text = str(value).strip()
    if not text:
        return value
    if kind == "name":
        return text[0] + "*" * max(len(text) - 1, 1)
    digits = "".join(_DIGITS.findall(text))
    if kind == "phone" and len(digits) >= 7:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    if kind == "id" and len(text) >= 10:
        return text[:6] + "*" * (len(text) - 10) + text[-4:]
    return "***"


def mask_personal(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """Mask every personal column of ``frame`` (by header).

    Parameters
    ----------
    frame : DataFrame
        Any table as read (source headers), any index.

    Returns
    -------
    (DataFrame, dict)
        A frame with the same index and columns, the personal columns masked (object dtype), and
        the masked columns → kind. The input is not modified; a frame without personal columns
        is returned as is.
    """
    found = personal_columns(frame.columns)
    if not found:
        return frame, {}
    out = frame.copy()
    for col, kind in found.items():
        out[col] = out[col].astype(object).map(lambda v, k=kind: mask_value(v, k))
    out.attrs = dict(frame.attrs)
    return out, found
