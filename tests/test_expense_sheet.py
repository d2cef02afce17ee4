"""Reading hospitals' 费用明细 exports: header rows under titles, vendors' names, totals rows."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from price_tables.table_file import TableFileError, read_cells
from reaudit.expense_sheet import IGNORE, SheetLayoutError, as_date_text, fee_rows, normalise, recognise

PATIENT = "张三丰"
PATIENT_ID = "330802198005011234"


def vendor_xlsx(*, totals: bool = True, extra_header: str | None = None) -> bytes:
    """A 住院费用明细清单 as one vendor's HIS exports it: a merged title, the patient's details in
    a merged second row, the header, fee lines (Excel dates and numbers), a totals row."""
    book = Workbook()
    sheet = book.active
    headers = ["序号", "收费项目编码", "项目名称", "规格", "单位", "数量", "单价(元)", "金额(元)", "费用发生时间", "执行科室"]
    if extra_header:
        headers.append(extra_header)
    sheet.append(["衢州市测试医院住院费用明细清单"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    sheet.append([f"姓名：{PATIENT}  住院号：ZY20210901  性别：男  出生日期：1980-05-01  入院日期：2021-09-01  "
                  f"出院日期：2021-09-10  身份证号：{PATIENT_ID}"])
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=len(headers))
    sheet.append(headers)
    import datetime as dt

    sheet.append([1, "31060200800", "测试项目甲", "", "次", 3, 10, 30, dt.datetime(2021, 9, 3, 10, 20), "心内科"]
                 + (["x"] if extra_header else []))
    sheet.append([2, "33150700500", "人工全髋关节置换术", "", "次", 1, 4592.0, 4592.0, dt.datetime(2021, 9, 4), "骨科"]
                 + (["y"] if extra_header else []))
    if totals:
        sheet.append(["合计", "", "", "", "", "", "", 4622, "", ""])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_vendor_xlsx_under_merged_titles_with_a_totals_row():
    cells = read_cells(vendor_xlsx(), "明细.xlsx", max_rows=1000)
    layout = recognise(cells)
    assert layout.header_row == 3 and layout.complete
    assert {layout.headers[i]: c for i, c in layout.placed.items()} == {
        "序号": "line_id", "收费项目编码": "code", "项目名称": "name", "单位": "unit", "数量": "quantity",
        "单价(元)": "unit_price", "金额(元)": "amount", "费用发生时间": "service_date",
        # known and not needed by any rule: ignored without asking
        "规格": IGNORE, "执行科室": IGNORE}
    assert layout.title_values == {"bill_id": "ZY20210901", "sex": "男", "birth_date": "1980-05-01",
                                   "admitted_on": "2021-09-01", "discharged_on": "2021-09-10"}
    result = fee_rows(cells, layout)
    assert [number for number, _ in result.rows] == [4, 5]
    assert result.skipped == [(6, "合计行")]
    first = result.rows[0][1]
    assert first == {"bill_id": "ZY20210901", "sex": "男", "birth_date": "1980-05-01", "admitted_on": "2021-09-01",
                     "discharged_on": "2021-09-10", "line_id": "1", "code": "31060200800", "name": "测试项目甲",
                     "unit": "次", "quantity": "3", "unit_price": "10", "amount": "30", "service_date": "2021-09-03"}
    assert result.rows[1][1]["unit_price"] == "4592"
    # Nothing about who the patient is was read.
    assert PATIENT not in repr(layout) + repr(result) and PATIENT_ID not in repr(layout) + repr(result)


def test_a_gb18030_csv_with_a_bill_id_per_row_and_national_codes():
    text = ("门诊费用明细导出\n"
            "就诊流水号,患者姓名,医保项目编码,收费项目名称,数量,收费单价,明细金额,收费日期,性别,出生日期\n"
            f"MZ01,{PATIENT},31060200800,测试项目甲,1,10.00,10.00,2021/9/3 8:00,女,1990年3月1日\n"
            f"MZ02,{PATIENT},33150700500,人工全髋关节置换术,1,4592,4592,20210904,男,19600310\n"
            ",,,,,,4602,,,\n"
            "总计,,,,,,4602,,,\n")
    cells = read_cells(text.encode("gb18030"), "明细.csv", max_rows=100)
    layout = recognise(cells)
    assert layout.header_row == 2 and not layout.missing
    placed = {layout.headers[i]: c for i, c in layout.placed.items()}
    assert placed["患者姓名"] == IGNORE and placed["医保项目编码"] == "hilist_code"
    result = fee_rows(cells, layout, defaults={"encounter_type": "outpatient"})
    rows = [row for _, row in result.rows]
    assert [(r["bill_id"], r["hilist_code"], r["service_date"], r["birth_date"]) for r in rows] == [
        ("MZ01", "31060200800", "2021-09-03", "1990-03-01"), ("MZ02", "33150700500", "2021-09-04", "1960-03-10")]
    assert all(r["encounter_type"] == "outpatient" for r in rows)
    assert all(PATIENT not in r.values() for r in rows)
    assert [reason for _, reason in result.skipped] == ["没有项目编码", "合计行"]


def test_an_unknown_header_is_asked_once_and_remembered():
    cells = read_cells(vendor_xlsx(extra_header="物价码"), "明细.xlsx", max_rows=1000)
    first = recognise(cells)
    assert "物价码" in first.unplaced
    # The user places it (and ignores the others); the next file of this hospital needs nothing.
    remembered = {normalise("物价码"): "hosplist_code"}
    again = recognise(cells, remembered)
    assert again.complete and "hosplist_code" in again.placed.values()
    assert fee_rows(cells, again).rows[0][1]["hosplist_code"] == "x"


def test_what_cannot_be_placed_is_named():
    cells = [["项目名称", "数量", "说明"], ["测试", "1", ""]]
    layout = recognise(cells)
    assert set(layout.missing) == {"service_date", "code", "unit_price"} and layout.unplaced == ["说明"]
    assert layout.bill_values_needed() == ["birth_date", "sex", "encounter_type"]
    with pytest.raises(SheetLayoutError):
        recognise([["医院名称"], ["a", "b"]])


@pytest.mark.parametrize(("printed", "iso"), [
    ("2021/9/3 10:20", "2021-09-03"), ("2021年9月3日", "2021-09-03"), ("20210903", "2021-09-03"),
    ("2021-09-03 00:00:00", "2021-09-03"), ("2021.9.3", "2021-09-03"), ("2021-02-30", "2021-02-30"), ("昨天", "昨天")])
def test_dates_as_vendors_print_them(printed, iso):
    assert as_date_text(printed) == iso


def test_headers_compare_without_units_or_spaces():
    assert normalise(" 单价（元） ") == normalise("单价") and normalise("金额[元]") == "金额"


def test_cells_are_bounded():
    with pytest.raises(TableFileError, match="超过上限"):
        read_cells(("a\n" * 20).encode(), "x.csv", max_rows=10)
    with pytest.raises(TableFileError, match="控制字符"):
        read_cells(b"a,b\x00c\n", "x.csv", max_rows=10)
