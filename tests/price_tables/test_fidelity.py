"""The bundled tables, cell by cell, against the gazette text they were transcribed from.

For every page of both attachment tables, each column's run of characters in the source must
equal the data file's cells for that page's rows, joined in row order.  This checks every
code digit, price digit and name character, and the order of the rows; what it cannot check
is where one cell ends and the next begins, which the data file records as a judgement.
"""

import re

import pytest

from price_tables.loader import DATA_DIR, read_meta
from price_tables.source_text import DOC_11, DOC_12, pages_of
from price_tables.table_file import read_table

STEMS = {DOC_11: "qybl-2021-11", DOC_12: "qybl-2021-12"}


def _rows_by_seq(document):
    raw = read_table((DATA_DIR / f"{STEMS[document]}.csv").read_bytes(), "x")
    return {int(row["seq"]): row for _, row in raw.rows}


def _joined(cells):
    return "".join(re.sub(r"\s+", "", c) for c in cells)


def _price_cell_12(row):
    if row.get("price"):
        return row["price"]
    if row.get("grade_3a"):
        return f"三甲{row['grade_3a']};三乙{row['grade_3b']};二级及以下{row['grade_2_or_below']}"
    return ""  # 自主定价: the source prints no price, only the remark


def _expected_columns(document, rows):
    """Column header in the source → the data file's cells joined."""
    text = {
        "项目名称": _joined(r["name"] for r in rows),
        "项目内涵": _joined(r.get("connotation", "") for r in rows),
        "除外内容": _joined(r.get("exclusions", "") for r in rows),
        "计价单位": _joined(r["unit"] for r in rows),
        "备注": _joined(r.get("remarks", "") for r in rows),
    }
    if document == DOC_11:
        text["编码"] = _joined(r["code"] for r in rows)
        # A merged price cell is printed once, under 三甲.
        text["三甲"] = _joined(r.get("grade_3a") or r.get("price", "") for r in rows)
        text["三乙"] = _joined(r.get("grade_3b", "") for r in rows)
        text["二级及以下"] = _joined(r.get("grade_2_or_below", "") for r in rows)
        text["价格"] = ""
    else:
        text["项目编码"] = _joined(r["code"] for r in rows)
        text["价格（元）"] = _joined(_price_cell_12(r) for r in rows)
    return text


PAGES = [(doc, page.number) for doc in (DOC_11, DOC_12) for page in pages_of(doc)]


def test_the_source_has_the_pages_the_notices_describe():
    assert len(pages_of(DOC_11)) == 4
    assert len(pages_of(DOC_12)) == 14
    assert [p.seqs for p in pages_of(DOC_12)][-1] == (77,)


def test_every_data_row_is_on_exactly_one_source_page():
    for document in (DOC_11, DOC_12):
        printed = [s for p in pages_of(document) for s in p.seqs]
        _, _, incomplete = read_meta(DATA_DIR / f"{STEMS[document]}.toml")
        assert sorted(printed) == printed, "row numbers run in order across pages"
        assert set(printed) | incomplete == set(_rows_by_seq(document))
        assert not set(printed) & incomplete


@pytest.mark.parametrize(("document", "page_number"), PAGES)
def test_page_columns_match_the_data_file_in_row_order(document, page_number):
    page = pages_of(document)[page_number - 1]
    by_seq = _rows_by_seq(document)
    if page.seqs:
        rows = [by_seq[s] for s in page.seqs]
        expected = _expected_columns(document, rows)
    else:
        # The page whose 序号/编码/名称 runs the extraction lost: the incomplete rows, and the
        # text fragments that could not be placed on one of them.
        meta, _, incomplete = read_meta(DATA_DIR / f"{STEMS[document]}.toml")
        rows = [by_seq[s] for s in sorted(incomplete)]
        expected = _expected_columns(document, rows)
        for column in ("项目内涵", "除外内容"):
            expected[column] = _joined(f.text for f in meta.unplaced_fragments if f.column == column)
    for header, column in page.columns.items():
        if header == "序号":
            continue
        assert column.text == expected[header], f"{document} page {page_number} column {header}"


def test_a_changed_digit_is_caught():
    """The cross-check is not vacuous: one wrong price digit breaks it."""
    page = pages_of(DOC_11)[1]
    rows = [dict(r) for r in (_rows_by_seq(DOC_11)[s] for s in page.seqs)]
    rows[8]["grade_3a"] = "4593"  # 人工全髋关节置换术 is printed 4592
    assert _expected_columns(DOC_11, rows)["三甲"] != page.columns["三甲"].text


def _name_basis_11():
    meta, _, _ = read_meta(DATA_DIR / f"{STEMS[DOC_11]}.toml")
    return {b.seq: b for b in meta.name_basis}


def _fragment_edges(column):
    edges, position = {0}, 0
    for fragment in column.fragments:
        position += len(fragment)
        edges.add(position)
    return edges


@pytest.mark.parametrize("page_number", [p.number for p in pages_of(DOC_11) if p.seqs])
def test_each_resolved_11_name_boundary_still_reproduces_the_source_stream(page_number):
    """The names of 11号 wrap two characters a line with no punctuation between rows; each
    boundary was fixed by the catalogue name of the code's first nine digits.  The names, in row
    order, must still be the source's character stream, and every boundary must fall where a
    printed line ends."""
    page = pages_of(DOC_11)[page_number - 1]
    basis, rows = _name_basis_11(), _rows_by_seq(DOC_11)
    column = page.columns["项目名称"]
    assert "".join(basis[s].name for s in page.seqs) == column.text
    edges, position = _fragment_edges(column), 0
    for seq in page.seqs:
        assert rows[seq]["name"] == basis[seq].name and rows[seq]["code"] == basis[seq].code
        assert basis[seq].code.startswith(basis[seq].catalogue_code) and basis[seq].decision
        position += len(basis[seq].name)
        assert position in edges, f"row {seq}: the name ends inside a printed line"


def test_the_stream_alone_could_not_place_the_catheterisation_boundary():
    """导尿常规|心电图检查 reproduces the stream as well as 导尿|常规心电图检查: only the catalogue
    (121600001 导尿, 310701001 常规心电图检查) decides, and it is recorded with its source."""
    basis = _name_basis_11()
    assert basis[20].name + basis[21].name == "导尿常规" + "心电图检查"
    assert (basis[20].name, basis[21].name) == ("导尿", "常规心电图检查")
    assert basis[20].catalogue_name == "导尿" and basis[21].catalogue_name == "常规心电图检查"
    assert "MediModel" in basis[21].source


def test_a_name_basis_that_disagrees_with_the_table_is_refused():
    from price_tables.loader import check_table
    from price_tables.models import NameBasis, NoticeMeta

    meta = NoticeMeta(document="测试〔2026〕1号", title="t", effective_from="2026-02-01", name_basis=(
        NameBasis(seq=1, code="12160000100", name="导尿", catalogue_code="121600001", decision="d"),))
    raw = read_table("项目编码,项目名称,计价单位,价格\n12160000100,导尿常规,次,18\n".encode(), "t.csv")
    [error] = check_table(raw, meta).errors
    assert error.column == "项目名称" and "导尿" in error.message
