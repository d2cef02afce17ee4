"""A hospital's 费用明细 export (Excel or CSV) as rows of the flat claim format.

HIS vendors export fee lines with their own Chinese headers (项目编码 / 收费项目编码 / 医保编码,
数量, 单价, 金额, 费用发生时间…), often under merged title rows (医院名称, 住院号：…, 入院日期：…)
and above a totals row (合计).  This module finds the header row, places each header on a
flat-format column by the names vendors use (or by a mapping remembered for the hospital), reads
bill-level values printed in the title rows, skips totals rows, and turns every fee line into a
flat row.  It never reads a patient's name or identity number: headers and title labels for
them are recognised only to be ignored.

Pure: bytes in, rows out; no database, no HTTP.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

#: Flat column → header names seen in vendors' exports (compared after `normalise`).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "bill_id": ("住院号", "住院流水号", "就诊号", "就诊流水号", "门诊号", "门诊流水号", "就诊id", "就诊编号", "病案号",
                "结算号", "结算流水号", "单据号", "mdtrt_id", "bill_id"),
    "line_id": ("明细序号", "明细流水号", "明细号", "费用明细流水号", "记账流水号", "收费明细号", "序号", "行号",
                "rx_id", "line_id"),
    "code": ("项目编码", "收费项目编码", "物价编码", "物价项目编码", "价表编码", "收费编码", "项目代码", "收费项目代码",
             "服务项目编码", "code"),
    "hilist_code": ("医保编码", "医保项目编码", "医保目录编码", "医保代码", "国家编码", "国家医保编码", "医保收费项目编码",
                    "hilist_code"),
    "hosplist_code": ("院内编码", "院内项目编码", "医院项目编码", "医院收费项目编码", "医院编码", "本院编码", "hosplist_code"),
    "name": ("项目名称", "收费项目名称", "医保项目名称", "费用名称", "收费名称", "项目", "名称", "服务项目名称", "name"),
    "service_date": ("费用发生时间", "费用发生日期", "费用日期", "发生日期", "发生时间", "收费日期", "收费时间", "计费日期",
                     "计费时间", "记账日期", "记账时间", "医嘱日期", "开单日期", "执行日期", "service_date"),
    "quantity": ("数量", "收费数量", "计费数量", "使用数量", "quantity", "cnt"),
    "unit": ("单位", "计价单位", "计量单位", "收费单位", "unit"),
    "unit_price": ("单价", "收费单价", "价格", "标准单价", "unit_price", "pric"),
    "amount": ("金额", "总金额", "费用金额", "收费金额", "明细金额", "总额", "合计金额", "amount", "sumamt"),
    "birth_date": ("出生日期", "出生年月日", "birth_date", "brdy"),
    "sex": ("性别", "sex", "gend"),
    "encounter_type": ("就诊类型", "就医类型", "就诊方式", "医疗类别", "encounter_type"),
    "admitted_on": ("入院日期", "入院时间", "admitted_on", "adm_date"),
    "discharged_on": ("出院日期", "出院时间", "discharged_on", "dscg_date"),
    "hospital_grade": ("医院等级", "医疗机构等级", "hospital_grade"),
    "fixmedins_code": ("医疗机构编码", "定点医药机构编号", "定点机构编码", "机构编码", "fixmedins_code"),
    "duration_hours": ("时长", "小时数", "时长(小时)", "duration_hours"),
    "body_site": ("部位", "检查部位", "治疗部位", "body_site"),
    "course_id": ("疗程号", "疗程", "course_id"),
    "purchase_price": ("进价", "采购价", "购进价", "purchase_price"),
    "category": ("category",),
}
#: Headers whose cells are never read: who the patient is stays in the hospital's file.
PRIVATE = ("姓名", "患者姓名", "病人姓名", "参保人姓名", "身份证号", "身份证号码", "证件号码", "证件号", "社会保障号",
           "社保卡号", "医保卡号", "联系电话", "电话", "家庭住址", "住址")
#: Headers vendors print that no rule needs: placed as ignored without asking.
UNUSED = ("规格", "剂型", "产地", "厂家", "生产厂家", "批号", "执行科室", "开单科室", "科室", "病区", "床号", "开单医生", "医生",
          "执行人", "操作员", "医保类别", "甲乙类", "目录类别", "自付比例", "自费金额", "自付金额", "报销金额", "备注",
          "医嘱号", "医嘱类型")
#: A cell that marks a totals row (合计 / 总计 / 小计, 本页合计…).
_TOTALS = re.compile(r"^(本页|本单|全部)?(合\s*计|总\s*计|小\s*计|累\s*计)")
IGNORE = "ignore"
#: Choices a user may give an unrecognised header.
PLACEABLE = tuple(SYNONYMS) + (IGNORE,)
#: Without these, a fee line cannot be judged (one of the codes; a price or an amount).
NEEDED_LINE = ("service_date", "quantity")
CODE_COLUMNS = ("code", "hilist_code", "hosplist_code")
#: Bill-level values a file may lack; then the title rows or the user supply them.
BILL_VALUES = ("bill_id", "birth_date", "sex", "encounter_type", "admitted_on", "discharged_on")
#: Of those, the ones every bill needs (the rest are optional).
NEEDED_BILL = ("birth_date", "sex", "encounter_type")
_HEADER_SCAN_ROWS = 30
_LABEL_VALUE = re.compile(r"([\u4e00-\u9fffA-Za-z_]{2,8})\s*[:：]\s*([^\s:：]+(?:\s\d{1,2}:\d{2}(?::\d{2})?)?)")


def normalise(header: str) -> str:
    """A header as compared: no spaces, no unit in brackets ("单价(元)" → "单价"), lower case."""
    text = re.sub(r"\s+", "", header or "")
    text = re.sub(r"[（(【\[][^）)】\]]*[）)】\]]$", "", text)  # a trailing unit: (元), （次）, [元]
    return text.strip("*：:").lower()


_BY_NAME = {normalise(name): column for column, names in SYNONYMS.items() for name in names}
_PRIVATE = {normalise(name) for name in PRIVATE}
_UNUSED = {normalise(name) for name in UNUSED}


@dataclass
class Recognised:
    """What was made of a sheet's layout."""

    header_row: int  # 1-based row number of the header
    headers: list[str]
    placed: dict[int, str]  # column index → flat column (or IGNORE)
    unplaced: list[str]  # headers neither recognised, remembered, private nor empty
    missing: list[str]  # flat columns a fee line needs and no header gives
    title_values: dict[str, str] = field(default_factory=dict)  # bill-level values read above the header

    @property
    def complete(self) -> bool:
        return not self.unplaced and not self.missing

    def bill_values_needed(self) -> list[str]:
        """Bill-level values neither a column nor the title rows give: asked of the user once
        for the whole file."""
        have = set(self.placed.values()) | set(self.title_values)
        return [c for c in NEEDED_BILL if c not in have]


@dataclass
class SheetRows:
    """The fee lines as flat rows, and what was left out."""

    rows: list[tuple[int, dict[str, str]]]  # (1-based sheet row, flat column → text)
    skipped: list[tuple[int, str]]  # (sheet row, why): totals rows, rows with no code


class SheetLayoutError(ValueError):
    """No header row could be found."""


def recognise(cells: list[list[str]], remembered: dict[str, str] | None = None) -> Recognised:
    """Find the header row in the first rows of `cells` and place its headers.

    `remembered` maps a normalised header to a flat column (or IGNORE): the choices made for this
    hospital before, applied before the built-in names.
    """
    remembered = remembered or {}
    best, best_score = None, 0
    for index, row in enumerate(cells[:_HEADER_SCAN_ROWS]):
        score = sum(1 for cell in row if normalise(cell) in _BY_NAME or normalise(cell) in remembered)
        if score > best_score:
            best, best_score = index, score
    if best is None or best_score < 2:
        raise SheetLayoutError("找不到表头行：前 30 行中没有一行含两个以上可识别的列名（如 项目编码、数量、单价、金额）")
    headers = [cell.strip() for cell in cells[best]]
    placed: dict[int, str] = {}
    unplaced: list[str] = []
    taken: set[str] = set()
    for index, header in enumerate(headers):
        key = normalise(header)
        if not key:
            continue
        column = remembered.get(key) or _BY_NAME.get(key)
        if key in _PRIVATE or (column is None and key in _UNUSED):
            column = IGNORE
        if column is None:
            unplaced.append(header)
        elif column == IGNORE or column not in taken:
            placed[index] = column
            taken.add(column)
        # a second header for a column already placed (两列"金额") is left unread
    title_values = _title_values(cells[:best])
    have = set(placed.values()) | set(title_values)
    missing = [c for c in NEEDED_LINE if c not in have]
    if not have & set(CODE_COLUMNS):
        missing.append("code")
    if not have & {"unit_price", "amount"}:
        missing.append("unit_price")
    return Recognised(best + 1, headers, placed, unplaced, missing, title_values)


def _title_values(rows: Iterable[list[str]]) -> dict[str, str]:
    """Bill-level values printed above the header ("住院号：Z001  入院日期：2021-09-01"); a
    patient's name or ID number is never taken."""
    found: dict[str, str] = {}
    for row in rows:
        for label, value in _LABEL_VALUE.findall("  ".join(c for c in row if c)):
            column = _BY_NAME.get(normalise(label))
            if column in BILL_VALUES and column not in found and normalise(label) not in _PRIVATE:
                found[column] = value.strip()
    return found


def fee_rows(cells: list[list[str]], layout: Recognised, defaults: dict[str, str] | None = None) -> SheetRows:
    """The rows under the header as flat rows.  Bill-level values come from the row, else the
    title rows, else `defaults` (what the user filled in); totals rows and rows with no item
    code are skipped and listed."""
    base = {**(defaults or {}), **layout.title_values}
    base = {k: v for k, v in base.items() if v}
    rows: list[tuple[int, dict[str, str]]] = []
    skipped: list[tuple[int, str]] = []
    for number, cells_of_row in enumerate(cells[layout.header_row:], start=layout.header_row + 1):
        if not any(c.strip() for c in cells_of_row):
            continue
        if any(_TOTALS.match(c.strip()) for c in cells_of_row[:4] if c):
            skipped.append((number, "合计行"))
            continue
        row = dict(base)
        for index, column in layout.placed.items():
            if column != IGNORE and index < len(cells_of_row) and cells_of_row[index].strip():
                row[column] = cells_of_row[index].strip()
        if not any(row.get(c) for c in CODE_COLUMNS):
            skipped.append((number, "没有项目编码"))
            continue
        for column in ("service_date", "admitted_on", "discharged_on", "birth_date"):
            if column in row:
                row[column] = as_date_text(row[column])
        rows.append((number, row))
    for number, row in rows:
        row.setdefault("line_id", str(number))  # the sheet row: what an auditor can find again
        row.setdefault("bill_id", "1")  # no bill id anywhere: the file is one bill
    return SheetRows(rows, skipped)


_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?")


def as_date_text(value: str) -> str:
    """Dates as vendors print them ("2021/9/3 10:20", "2021年9月3日", 20210903, an Excel date
    read as "2021-09-03 00:00:00") → YYYY-MM-DD; anything else unchanged (the checker names it)."""
    text = value.strip()
    match = _DATE.match(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
    elif re.fullmatch(r"\d{8}", text):
        year, month, day = int(text[:4]), int(text[4:6]), int(text[6:])
    else:
        return text
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return text
