"""Read the raw gazette text of the two notices back into pages and columns.

The PDF tables were rotated before the text was extracted, so every column of a page comes
out as one run of its cells, in row order, one or two characters per line.  This module
finds the pages and the column runs; it does not decide where one cell ends and the next
begins (that is a judgement recorded in the data files).  The fidelity test uses it to check
the data files against the source, character by character.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SOURCE_FILE = Path(__file__).parent / "sources" / "quzhou_2021_11_12.txt"
#: Line of the gazette file that is line 1 of SOURCE_FILE (the seed's lines 16896–32662).
SOURCE_FIRST_SEED_LINE = 16896

DOC_11 = "衢医保联发〔2021〕11号"
DOC_12 = "衢医保联发〔2021〕12号"

# Column headers as they read once the one-character lines are joined, in page order.
HEADERS = {
    DOC_11: ("序号", "编码", "项目名称", "项目内涵", "除外内容", "计价单位", "价格", "三甲", "三乙", "二级及以下", "备注"),
    DOC_12: ("序号", "项目编码", "项目名称", "项目内涵", "除外内容", "计价单位", "价格（元）", "备注"),
}
# The attachment titles were printed sideways and land at the end of the 备注 run.
ATTACHMENT_TITLES = ("附件部分医疗服务项目价格调整规范表", "附件新增医疗服务价格项目及试行价格表")
# Running heads and feet of the gazette; they end a page's table text.
_PAGE_FURNITURE = re.compile(r"^\s*(部门规范性文件 部门规范性文件|\d{4}年/第八期|衢州政报\(总第142期\))\s*$")
_SEQ_LINE = re.compile(r"^\s*号((?:\s+\d+)+)\s*$")


@dataclass(frozen=True)
class Column:
    """One column's run of cells on one page."""

    header: str
    raw: str  # the source lines joined with "\n": blank lines separate wrapped fragments

    @property
    def text(self) -> str:
        """The column's characters with every line break and space removed."""
        return re.sub(r"\s+", "", self.raw)

    @property
    def fragments(self) -> list[str]:
        """Runs separated by a blank line or a space: candidate cell boundaries."""
        return [f.replace("\n", "") for f in re.split(r"\n\s*\n|[ \t]+", self.raw) if f.strip()]


@dataclass(frozen=True)
class Page:
    document: str
    number: int  # 1-based page of the attachment table
    seqs: tuple[int, ...]  # row numbers printed in the 序号 column; empty when none printed
    first_line: int  # 1-based line in SOURCE_FILE
    last_line: int
    columns: dict[str, Column]

    def seed_lines(self) -> tuple[int, int]:
        """The page's line range in the original gazette file."""
        offset = SOURCE_FIRST_SEED_LINE - 1
        return self.first_line + offset, self.last_line + offset


def source_lines() -> list[str]:
    return SOURCE_FILE.read_text(encoding="utf-8").split("\n")


def _page_starts(lines: list[str]) -> list[int]:
    """0-based indexes of the lines that read 序 followed by 号 and the row numbers."""
    return [
        i for i in range(len(lines) - 1)
        if lines[i].strip() == "序" and _SEQ_LINE.match(lines[i + 1])
    ]


def _document_of(lines: list[str], index: int) -> str:
    notice_12_starts = next(i for i, line in enumerate(lines) if DOC_12 in line)
    return DOC_11 if index < notice_12_starts else DOC_12


def _split_columns(lines: list[str], start: int, end: int, headers: tuple[str, ...],
                   lead_column: str | None) -> dict[str, Column]:
    """Cut lines[start:end] at each header.  Text before the first header goes to lead_column."""
    raw = "\n".join(lines[start:end])
    compact_to_raw = [i for i, ch in enumerate(raw) if ch != "\n"]
    compact = raw.replace("\n", "")
    cuts: list[tuple[str, int, int]] = []  # header, raw start of header, raw start of content
    pos = 0
    for header in headers:
        found = compact.find(header, pos)
        if found < 0:
            raise ValueError(f"header {header!r} not found after line {start + 1}")
        end_of_header = found + len(header)
        cuts.append((header, compact_to_raw[found], compact_to_raw[end_of_header - 1] + 1))
        pos = end_of_header
    columns: dict[str, Column] = {}
    if lead_column is not None:
        columns[lead_column] = Column(lead_column, raw[: cuts[0][1]].strip("\n"))
    for (header, _, content_start), nxt in zip(cuts, cuts[1:] + [("", len(raw), len(raw))], strict=True):
        columns[header] = Column(header, raw[content_start: nxt[1]].strip("\n"))
    return columns


def _strip_attachment_title(column: Column) -> Column:
    text = column.text
    for title in ATTACHMENT_TITLES:
        if text.endswith(title):
            # Drop the title's characters from the end of the raw run, lines and all.
            remaining, raw = len(title), column.raw
            while remaining:
                ch = raw[-1]
                raw = raw[:-1]
                if not ch.isspace():
                    remaining -= 1
            return Column(column.header, raw.rstrip())
    return column


@cache
def pages() -> tuple[Page, ...]:
    """Every page of the two attachment tables, in order."""
    lines = source_lines()
    starts = _page_starts(lines)
    result: list[Page] = []
    # The first page of the 11号 table has no 序号, 编码 or 名称 run (the extraction lost them):
    # its text begins after the gazette's running head that precedes it.
    first_table_line = next(i for i, line in enumerate(lines) if line.startswith("衢州政报(总第142期)")) + 1
    bounds = [(first_table_line, None)] + [(s, s) for s in starts]
    page_numbers: dict[str, int] = {}
    for k, (begin, seq_at) in enumerate(bounds):
        limit = bounds[k + 1][0] if k + 1 < len(bounds) else len(lines)
        document = _document_of(lines, begin)
        headers = HEADERS[document]
        if seq_at is None:
            seqs: tuple[int, ...] = ()
            headers = headers[headers.index("除外内容"):]
            lead = "项目内涵"
        else:
            printed = _SEQ_LINE.match(lines[seq_at + 1])
            assert printed is not None  # _page_starts found the page by this very line
            seqs = tuple(int(n) for n in printed.group(1).split())
            lead = None
        # The table ends at the first running head/foot after the 备注 header.
        joined_upto = begin
        compact = ""
        while joined_upto < limit and "备注" not in compact:
            compact += lines[joined_upto].strip()
            joined_upto += 1
        end = joined_upto
        while end < limit and not _PAGE_FURNITURE.match(lines[end]):
            end += 1
        columns = _split_columns(lines, begin, end, headers, lead)
        if seqs:
            columns["序号"] = Column("序号", columns["序号"].raw)
        columns["备注"] = _strip_attachment_title(columns["备注"])
        page_numbers[document] = page_numbers.get(document, 0) + 1
        result.append(Page(document, page_numbers[document], seqs, begin + 1, end, columns))
    return tuple(result)


def pages_of(document: str) -> list[Page]:
    return [p for p in pages() if p.document == document]


def dump(document: str) -> str:
    """A readable dump of every column of every page: '/' marks a blank line or a space."""
    out: list[str] = []
    for page in pages_of(document):
        first, last = page.seed_lines()
        out.append(f"=== {document} page {page.number} rows {list(page.seqs)} seed lines {first}-{last}")
        for header, column in page.columns.items():
            shown = "/".join(column.fragments)
            out.append(f"[{header}] {shown}")
    return "\n".join(out)


if __name__ == "__main__":  # pragma: no cover - a reading aid for people checking the data
    import sys

    print(dump(DOC_12 if "12" in sys.argv[1:] else DOC_11))
