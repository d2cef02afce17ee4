"""A notice back out in the upload format (CSV or XLSX), so any version can be re-read,
edited in Excel and uploaded again."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from price_tables.formula_guard import guard
from price_tables.models import FIELD_LABELS, Item, Notice
from price_tables.remark_parser import SELF_PRICED
from price_tables.table_file import CANONICAL_HEADERS, NUMBER_HEADERS, write_csv


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
    """The notice as an Excel sheet: prices are numbers with two decimals (so Excel can sum
    them), every other cell is text — never a formula, whatever it starts with."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "价格表"
    sheet.append(list(CANONICAL_HEADERS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row_number, row in enumerate(notice_rows(notice), start=2):
        for column_number, header in enumerate(CANONICAL_HEADERS, start=1):
            _write_cell(sheet.cell(row=row_number, column=column_number), header, row.get(header, ""))
    for column, width in zip("ABCDEFGHIJKLM", (6, 14, 28, 50, 30, 20, 10, 10, 10, 10, 12, 40, 40), strict=True):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "C2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_cell(cell, header: str, text: str) -> None:
    if text and header in NUMBER_HEADERS and text != SELF_PRICED:
        cell.value = int(text) if header == "序号" else Decimal(text)
        cell.number_format = "0" if header == "序号" else "0.00"
        return
    cell.value = guard(text)
    cell.data_type = "s"  # text, even when it starts with "=": openpyxl would make that a formula
    cell.number_format = "@"


def spreadsheet_bytes(headers: tuple[str, ...] | list[str], rows: list[list], fmt: str, *,
                      sheet_title: str = "Sheet1") -> tuple[bytes, str]:
    """Any table as CSV (UTF-8 with BOM) or XLSX, and its media type.  Text cells are guarded
    against formulas; `int` and `Decimal` cells are written as numbers (two decimals for money)."""
    if fmt == "csv":
        out = io.StringIO(newline="")
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(headers)
        writer.writerows([_csv_cell(v) for v in row] for row in rows)
        return ("\ufeff" + out.getvalue()).encode("utf-8"), "text/csv; charset=utf-8"
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_title
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row_number, row in enumerate(rows, start=2):
        for column_number, value in enumerate(row, start=1):
            cell = sheet.cell(row=row_number, column=column_number)
            if isinstance(value, Decimal):
                cell.value, cell.number_format = value, "0.00"
            elif isinstance(value, int) and not isinstance(value, bool):
                cell.value = value
            else:
                cell.value = guard("" if value is None else str(value))
                cell.data_type = "s"
                cell.number_format = "@"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _csv_cell(value) -> str:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return guard("" if value is None else str(value))
