"""Read a spreadsheet file (CSV or XLSX) into rows of text cells keyed by canonical column.

This knows about bytes, encodings and headers only; what the cells mean is the caller's job
(the loader's, for a price table).  A `SheetLayout` says which columns a kind of file has; the
price table is one layout, and the service reads other files (code maps…) the same way.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from price_tables.formula_guard import guard, unguard

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


#: Longest text accepted per column (characters); an unknown column's cells up to `MAX_CELL_CHARS`.
#: Generous against the notices (the longest 内涵 printed is 259 characters) and small enough
#: that a file cannot smuggle megabytes into a name.
MAX_CHARS: dict[str, int] = {
    "seq": 10, "code": 40, "name": 200, "connotation": 2000, "exclusions": 1000, "included_materials": 1000, "unit": 20,
    "price": 30, "grade_3a": 30, "grade_3b": 30, "grade_2_or_below": 30, "remarks": 1000, "uncertain": 2000,
}
MAX_CELL_CHARS = 4000
#: Characters no table cell may hold (PostgreSQL cannot store NUL; none has a meaning in a table).
_CONTROL = frozenset(chr(c) for c in range(32)) - {"\t", "\n", "\r"} | {"\x7f"}
#: An XLSX is a ZIP: its parts may hold at most this much once inflated (a small file that
#: inflates to gigabytes is refused before it is parsed).
MAX_XLSX_INFLATED_BYTES = 256 * 1024 * 1024
MAX_XLSX_SHARED_STRINGS_BYTES = 64 * 1024 * 1024


class TableFileError(ValueError):
    """The file cannot be read as a table at all."""


@dataclass(frozen=True)
class SheetLayout:
    """The columns of a kind of file: canonical name → accepted headers, the required ones, the
    longest text per column, and any further check of the headers found."""

    columns: dict[str, tuple[str, ...]]
    required: tuple[str, ...]
    max_chars: dict[str, int]
    check_headers: Callable[[set[str], str], None] | None = None

    @property
    def header_to_column(self) -> dict[str, str]:
        return {h.strip().lower(): col for col, names in self.columns.items() for h in names}


def _needs_a_price_column(found: set[str], file: str) -> None:
    if "price" not in found and "grade_3a" not in found:
        raise TableFileError(f"{file}: 缺少价格列（价格，或 三甲/三乙/二级及以下）")


PRICE_TABLE = SheetLayout(COLUMNS, REQUIRED_COLUMNS, MAX_CHARS, _needs_a_price_column)


@dataclass
class RawTable:
    file: str
    rows: list[tuple[int, dict[str, str]]]  # (1-based file row, canonical column → text)
    unknown_headers: list[str] = field(default_factory=list)


def _decode(data: bytes, file: str) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8")
        except UnicodeDecodeError as exc:
            raise TableFileError(
                f"{file}: 文件以 UTF-8 的 BOM 开头，但第 {exc.start + 4} 字节起不是有效的 UTF-8"
                "（可能混用了 GB18030 等编码）；请整个文件另存为 UTF-8 或 GB18030") from None
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TableFileError(f"{file}: 无法识别文件编码（支持 UTF-8、带BOM的UTF-8、GB18030）")


def _map_headers(headers: list[str], file: str, layout: SheetLayout) -> tuple[list[str | None], list[str]]:
    mapped: list[str | None] = []
    unknown: list[str] = []
    seen: set[str] = set()
    by_header = layout.header_to_column
    for h in headers:
        column = by_header.get((h or "").strip().lower())
        if column in seen:
            raise TableFileError(f"{file}: 列 {h!r} 重复")
        if column is None and (h or "").strip():
            unknown.append(h.strip())
        if column:
            seen.add(column)
        mapped.append(column)
    missing = [layout.columns[c][0] for c in layout.required if c not in seen]
    if missing:
        raise TableFileError(f"{file}: 缺少必需的列 {'、'.join(missing)}（表头为 {'、'.join(h for h in headers if h)}）")
    if layout.check_headers is not None:
        layout.check_headers(seen, file)
    return mapped, unknown


def _rows_from_cells(cell_rows: Iterator[list[str]], file: str, max_rows: int | None, layout: SheetLayout) -> RawTable:
    """Rows keyed by canonical column, checked while streaming: the row limit stops the read at
    the first row past it, and an over-long cell stops it at once."""
    header = next(cell_rows, None)
    if header is None:
        raise TableFileError(f"{file}: 文件为空")
    mapped, unknown = _map_headers([c.strip() for c in header], file, layout)
    labels = {col: names[0] for col, names in layout.columns.items()}
    rows: list[tuple[int, dict[str, str]]] = []
    for number, cells in enumerate(cell_rows, start=2):
        if not any(c.strip() for c in cells):
            continue
        if max_rows is not None and len(rows) >= max_rows:
            raise TableFileError(f"{file}: 超过上限 {max_rows} 行（第 {number} 行起未读取）")
        row: dict[str, str] = {}
        for i, text in enumerate(cells):
            column = mapped[i] if i < len(mapped) else None
            limit = layout.max_chars.get(column, MAX_CELL_CHARS) if column else MAX_CELL_CHARS
            if len(text) > limit or not _CONTROL.isdisjoint(text):
                where = labels[column] if column else f"第{i + 1}列"
                problem = f"有 {len(text)} 个字符，超过上限 {limit}" if len(text) > limit else "含有不可见的控制字符（如 NUL）"
                raise TableFileError(f"{file}: 第 {number} 行 [{where}] {problem}")
            if column:
                row[column] = unguard(text.strip())
        for column in mapped:
            if column and column not in row:
                row[column] = ""
        rows.append((number, row))
    return RawTable(file=file, rows=rows, unknown_headers=unknown)


def read_csv(data: bytes, file: str, max_rows: int | None = None, layout: SheetLayout | None = None) -> RawTable:
    text = _decode(data, file)
    try:
        return _rows_from_cells(csv.reader(io.StringIO(text, newline="")), file, max_rows, layout or PRICE_TABLE)
    except csv.Error as exc:
        raise TableFileError(f"{file}: CSV 格式错误: {exc}") from None


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _check_inflated_size(data: bytes, file: str) -> None:
    try:
        parts = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError):
        raise TableFileError(f"{file}: 不是可读取的 Excel (.xlsx) 文件") from None
    total = sum(p.file_size for p in parts)
    shared = sum(p.file_size for p in parts if p.filename.endswith("sharedStrings.xml"))
    if total > MAX_XLSX_INFLATED_BYTES or shared > MAX_XLSX_SHARED_STRINGS_BYTES:
        raise TableFileError(f"{file}: Excel 文件解压后有 {total // (1024 * 1024)} MB，超过上限 "
                             f"{MAX_XLSX_INFLATED_BYTES // (1024 * 1024)} MB（文本部分上限 "
                             f"{MAX_XLSX_SHARED_STRINGS_BYTES // (1024 * 1024)} MB）")


def read_xlsx(data: bytes, file: str, max_rows: int | None = None, layout: SheetLayout | None = None) -> RawTable:
    from openpyxl import load_workbook  # imported here: only uploads need it

    _check_inflated_size(data, file)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a broken file
        raise TableFileError(f"{file}: 不是可读取的 Excel (.xlsx) 文件: {type(exc).__name__}") from None
    try:
        sheet = workbook.worksheets[0]
        declared = sheet.max_row  # the sheet's own <dimension>: a quick refusal when it admits the size
        if max_rows is not None and declared is not None and declared > max_rows + 1:
            raise TableFileError(f"{file}: 工作表有 {declared} 行，超过上限 {max_rows} 行")
        cells = ([_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True))
        return _rows_from_cells(cells, file, max_rows, layout or PRICE_TABLE)
    finally:
        workbook.close()


def read_sheet(data: bytes, file: str, layout: SheetLayout, max_rows: int | None = None) -> RawTable:
    """Read CSV or XLSX bytes laid out as `layout`; XLSX is recognised by its ZIP signature,
    whatever the name says.  At most `max_rows` rows (TableFileError past it, found while
    streaming)."""
    if data.startswith(b"PK\x03\x04"):
        return read_xlsx(data, file, max_rows, layout)
    return read_csv(data, file, max_rows, layout)


def read_cells(data: bytes, file: str, max_rows: int) -> list[list[str]]:
    """Every row of a CSV or XLSX (first sheet) as text cells, headers and all: for files whose
    header is not on the first row (a HIS export under its title rows).  The same limits as
    `read_sheet`: encodings, inflated size, `max_rows`, cell length and control characters."""
    if data.startswith(b"PK\x03\x04"):
        from openpyxl import load_workbook

        _check_inflated_size(data, file)
        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for a broken file
            raise TableFileError(f"{file}: 不是可读取的 Excel (.xlsx) 文件: {type(exc).__name__}") from None
        try:
            rows = _bounded(([_cell_text(v) for v in row] for row in workbook.worksheets[0].iter_rows(values_only=True)),
                            file, max_rows)
        finally:
            workbook.close()
        return rows
    try:
        return _bounded(csv.reader(io.StringIO(_decode(data, file), newline="")), file, max_rows)
    except csv.Error as exc:
        raise TableFileError(f"{file}: CSV 格式错误: {exc}") from None


def _bounded(cell_rows: Iterator[list[str]], file: str, max_rows: int) -> list[list[str]]:
    rows: list[list[str]] = []
    for number, cells in enumerate(cell_rows, start=1):
        if number > max_rows:
            raise TableFileError(f"{file}: 超过上限 {max_rows} 行（第 {number} 行起未读取）")
        for i, text in enumerate(cells):
            if len(text) > MAX_CELL_CHARS or not _CONTROL.isdisjoint(text):
                too_long = len(text) > MAX_CELL_CHARS
                problem = f"有 {len(text)} 个字符，超过上限 {MAX_CELL_CHARS}" if too_long else "含有不可见的控制字符（如 NUL）"
                raise TableFileError(f"{file}: 第 {number} 行第 {i + 1} 列{problem}")
        rows.append([unguard(c) for c in cells])
    while rows and not any(c.strip() for c in rows[-1]):
        rows.pop()
    return rows


def read_table(data: bytes, file: str, max_rows: int | None = None) -> RawTable:
    """A price table file (see `read_sheet`)."""
    return read_sheet(data, file, PRICE_TABLE, max_rows)


#: Headers whose cells are numbers in an export (never guarded against formulas).
NUMBER_HEADERS = frozenset({"序号", "价格", "三甲", "三乙", "二级及以下"})


def write_csv(rows: list[dict[str, str]]) -> bytes:
    """Rows keyed by canonical Chinese header → CSV bytes in UTF-8 with BOM (Excel opens it).
    Text cells are guarded against formula injection (read back unguarded)."""
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=CANONICAL_HEADERS, lineterminator="\n")
    writer.writeheader()
    writer.writerows({h: v if h in NUMBER_HEADERS else guard(v) for h, v in row.items()} for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")
