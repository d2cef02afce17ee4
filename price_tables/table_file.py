"""Read a price table file (CSV or XLSX) into rows of text cells keyed by canonical column.

This knows about bytes, encodings and headers only; what the cells mean is the loader's job.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

#: Canonical column → the headers accepted for it (Chinese as printed, English aliases).
COLUMNS: dict[str, tuple[str, ...]] = {
    "seq": ("序号", "seq"),
    "code": ("项目编码", "编码", "code"),
    "name": ("项目名称", "name"),
    "connotation": ("项目内涵", "connotation"),
    "exclusions": ("除外内容", "exclusions"),
    "included_materials": ("内涵耗材", "included_materials"),
    "unit": ("计价单位", "unit"),
    "price": ("价格", "价格（元）", "price"),
    "grade_3a": ("三甲", "grade_3a"),
    "grade_3b": ("三乙", "grade_3b"),
    "grade_2_or_below": ("二级及以下", "grade_2_or_below"),
    "remarks": ("备注", "remarks"),
    "uncertain": ("存疑", "uncertain"),
}
REQUIRED_COLUMNS = ("code", "name", "unit")
#: The order the bundled tables and exports are written in.
CANONICAL_HEADERS = ("序号", "项目编码", "项目名称", "项目内涵", "除外内容", "内涵耗材", "计价单位", "价格", "三甲", "三乙",
                     "二级及以下", "备注", "存疑")
_HEADER_TO_COLUMN = {h.strip().lower(): col for col, names in COLUMNS.items() for h in names}


class TableFileError(ValueError):
    """The file cannot be read as a table at all."""


@dataclass
class RawTable:
    file: str
    rows: list[tuple[int, dict[str, str]]]  # (1-based file row, canonical column → text)
    unknown_headers: list[str] = field(default_factory=list)


def _decode(data: bytes, file: str) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableFileError(f"{file}: 无法识别文件编码（支持 UTF-8、带BOM的UTF-8、GB18030）")


def _map_headers(headers: list[str], file: str) -> tuple[list[str | None], list[str]]:
    mapped: list[str | None] = []
    unknown: list[str] = []
    seen: set[str] = set()
    for h in headers:
        column = _HEADER_TO_COLUMN.get((h or "").strip().lower())
        if column in seen:
            raise TableFileError(f"{file}: 列 {h!r} 重复")
        if column is None and (h or "").strip():
            unknown.append(h.strip())
        if column:
            seen.add(column)
        mapped.append(column)
    missing = [COLUMNS[c][0] for c in REQUIRED_COLUMNS if c not in seen]
    if missing:
        raise TableFileError(f"{file}: 缺少必需的列 {'、'.join(missing)}（表头为 {'、'.join(h for h in headers if h)}）")
    if "price" not in seen and "grade_3a" not in seen:
        raise TableFileError(f"{file}: 缺少价格列（价格，或 三甲/三乙/二级及以下）")
    return mapped, unknown


def _rows_from_cells(cell_rows: list[list[str]], file: str) -> RawTable:
    if not cell_rows:
        raise TableFileError(f"{file}: 文件为空")
    mapped, unknown = _map_headers([c.strip() for c in cell_rows[0]], file)
    rows: list[tuple[int, dict[str, str]]] = []
    for number, cells in enumerate(cell_rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        row = {col: (cells[i] if i < len(cells) else "").strip() for i, col in enumerate(mapped) if col}
        rows.append((number, row))
    return RawTable(file=file, rows=rows, unknown_headers=unknown)


def read_csv(data: bytes, file: str) -> RawTable:
    text = _decode(data, file)
    try:
        cell_rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise TableFileError(f"{file}: CSV 格式错误: {exc}") from None
    return _rows_from_cells(cell_rows, file)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_xlsx(data: bytes, file: str) -> RawTable:
    from openpyxl import load_workbook  # imported here: only uploads need it

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise TableFileError(f"{file}: 不是可读取的 Excel (.xlsx) 文件: {type(exc).__name__}") from None
    try:
        sheet = workbook.worksheets[0]
        cell_rows = [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()
    return _rows_from_cells(cell_rows, file)


def read_table(data: bytes, file: str) -> RawTable:
    """Read CSV or XLSX bytes; XLSX is recognised by its ZIP signature, whatever the name says."""
    if data.startswith(b"PK\x03\x04"):
        return read_xlsx(data, file)
    return read_csv(data, file)


def write_csv(rows: list[dict[str, str]]) -> bytes:
    """Rows keyed by canonical Chinese header → CSV bytes in UTF-8 with BOM (Excel opens it)."""
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=CANONICAL_HEADERS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")
