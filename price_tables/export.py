"""A notice back out in the upload format (CSV or XLSX), so any version can be re-read,
edited in Excel and uploaded again."""

from __future__ import annotations

import io

from price_tables.models import FIELD_LABELS, Item, Notice
from price_tables.table_file import CANONICAL_HEADERS, write_csv


def _money(value) -> str:
    return "" if value is None else f"{value.normalize():f}"


def item_row(item: Item) -> dict[str, str]:
    """One item as a row keyed by the canonical Chinese headers."""
    row = {"序号": "" if item.source.seq is None else str(item.source.seq), "项目编码": item.code,
           "项目名称": item.name, "项目内涵": item.connotation, "除外内容": item.exclusions,
           "内涵耗材": "、".join(w for rule in item.rules_of("included_materials") for w in rule.materials),
           "计价单位": item.unit, "备注": item.remarks,
           "存疑": " | ".join(f"{FIELD_LABELS.get(f, f)}：{why}" for f, why in item.uncertain_fields.items())}
    if item.self_priced:
        row["价格"] = "" if item.remarks.strip() == "自主定价" else "自主定价"
    elif item.single_price:
        row["价格"] = _money(item.prices.grade_3a)
    else:
        row["三甲"] = _money(item.prices.grade_3a)
        row["三乙"] = _money(item.prices.grade_3b)
        row["二级及以下"] = _money(item.prices.grade_2_or_below)
    return row


def notice_rows(notice: Notice) -> list[dict[str, str]]:
    """The rows a person would upload: printed items only (codes derived from a 备注 are
    derived again on upload; incomplete rows have no code and are not items)."""
    return [item_row(i) for i in notice.items if i.source.derived_from is None]


def to_csv(notice: Notice) -> bytes:
    return write_csv(notice_rows(notice))


def to_xlsx(notice: Notice) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "价格表"
    sheet.append(list(CANONICAL_HEADERS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in notice_rows(notice):
        sheet.append([row.get(h, "") for h in CANONICAL_HEADERS])
    for column, width in zip("ABCDEFGHIJKLM", (6, 14, 28, 50, 30, 20, 10, 10, 10, 10, 12, 40, 40), strict=True):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.number_format = "@"  # codes and prices stay text
    sheet.freeze_panes = "C2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
