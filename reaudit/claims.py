"""The flat claim format: one row per fee line, the bill's columns repeated on each row.

Names are English; the national platform's names (3101 `fsi_order_dtos`, `patient_dtos`,
encounter fields) are accepted as aliases.  `canonical_sql` turns any raw relation with some
of these columns into the canonical typed rows both engines judge, and names the problems of
every row it cannot read (a row with problems is reported, never judged, and never stops a run).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pyarrow as pa

Kind = Literal["text", "date", "money", "quantity", "hours", "bool"]


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    aliases: tuple[str, ...] = ()
    required: bool = False
    bill_level: bool = False
    max_length: int | None = None
    doc: str = ""


COLUMNS: tuple[Column, ...] = (
    # bill-level columns, repeated on every row of the bill
    Column("bill_id", "text", ("mdtrt_id", "setl_id"), True, True, 64, "the bill (encounter settlement) id"),
    Column("fixmedins_code", "text", ("medins_id",), False, True, 64, "the hospital (定点医药机构编号)"),
    Column("hospital_grade", "text", ("grade",), True, True, None,
           "grade_3a | grade_3b | grade_2_or_below, or 三甲 | 三乙 | 二级及以下"),
    Column("birth_date", "date", ("brdy",), True, True, None, "YYYY-MM-DD (a 3101 datetime is accepted)"),
    Column("sex", "text", ("gend",), True, True, None, "M | F (3101 gend 1/2, 男/女 accepted)"),
    Column("encounter_type", "text", ("med_mdtrt_type",), True, True, None, "inpatient | outpatient (住院/门诊, 3101 2/1)"),
    Column("admitted_on", "date", ("adm_date",), False, True, None, "admission date"),
    Column("discharged_on", "date", ("dscg_date",), False, True, None, "discharge date"),
    # line columns
    Column("line_id", "text", ("rx_id",), True, False, 64, "unique within the bill"),
    Column("code", "text", (), False, False, 40, "the price table's item code (hilist_code when absent)"),
    Column("hilist_code", "text", (), False, False, 40, "national list code"),
    Column("hosplist_code", "text", (), False, False, 40, "the hospital's own item code"),
    Column("name", "text", ("hilist_name",), False, False, 200, "item name as billed"),
    Column("service_date", "date", ("drord_begn_date",), True, False, None, "date of service"),
    Column("quantity", "quantity", ("cnt",), True, False, None, "units charged, > 0"),
    Column("unit", "text", (), False, False, 40, "计价单位 as billed"),
    Column("unit_price", "money", ("pric",), True, False, None, "price charged per unit"),
    Column("amount", "money", ("sumamt",), False, False, None, "line amount (quantity × unit price when absent)"),
    Column("duration_hours", "hours", (), False, False, None, "service duration"),
    Column("course_id", "text", (), False, False, 64, "treatment course"),
    Column("session_id", "text", (), False, False, 64, "one sitting of a service (two same-day lines, two sessions)"),
    Column("body_site", "text", (), False, False, 100, "body site"),
    Column("consent_signed", "bool", (), False, False, None, "written agreement signed (自主定价)"),
    Column("purchase_price", "money", (), False, False, None, "purchase price of a consumable"),
    Column("main_line_id", "text", (), False, False, 64, "the procedure line a consumable belongs to"),
    Column("category", "text", (), False, False, None,
           "service | material | drug (3101 hilist_type / chrg_type mapped); material and drug lines are outside "
           "the service tables"),
    Column("material_code", "text", (), False, False, 64, "the consumable's own code (耗材编码)"),
    Column("history", "bool", (), False, False, None, "an earlier line of the encounter: counted, not reported on"),
)
COLUMN_NAMES = tuple(c.name for c in COLUMNS)
BILL_COLUMNS = tuple(c.name for c in COLUMNS if c.bill_level)

_DECIMAL = pa.decimal128(18, 4)
_ARROW_TYPES = {"text": pa.string(), "date": pa.date32(), "money": _DECIMAL, "quantity": _DECIMAL,
                "hours": _DECIMAL, "bool": pa.bool_()}
CANONICAL_SCHEMA = pa.schema([pa.field("file_no", pa.int32()), pa.field("row_no", pa.int64()),
                              *(pa.field(c.name, _ARROW_TYPES[c.kind]) for c in COLUMNS)])
"""What the engines judge: every column typed, codes as text, row numbers kept for reports."""

REJECTED_SCHEMA = pa.schema([("file_no", pa.int32()), ("row_no", pa.int64()), ("bill_id", pa.string()),
                             ("reason", pa.string())])

_LIMITS = {"money": "9999999999.9999", "quantity": "99999999.9999", "hours": "10000"}
_WHITESPACE = " \t\n\r\f\v\u3000\u00a0"


_NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT")


def _text(raw: str, raw_type: str = "VARCHAR") -> str:
    if raw_type not in ("VARCHAR", "NULL"):  # typed columns (Parquet) have no stray spaces
        return f"CAST({raw} AS VARCHAR)"
    # Strip like the API's models do; an empty cell is absent (CSV cannot tell them apart).
    return f"NULLIF(trim(CAST({raw} AS VARCHAR), '{_WHITESPACE}'), '')"


def _exact_decimal(raw_type: str) -> bool:
    """A typed number that has at most 4 decimal places by its type: no need to look."""
    if raw_type in _NUMERIC:
        return True
    return raw_type.startswith("DECIMAL(") and int(raw_type.rstrip(")").split(",")[1]) <= 4


def _typed(column: Column, raw: str, raw_type: str) -> str:
    if column.kind == "text":
        return _text(raw, raw_type)
    if column.kind == "date":
        if raw_type == "DATE":
            return raw
        if raw_type.startswith("TIMESTAMP"):
            return f"CAST({raw} AS DATE)"
        # 3101 sends "yyyy-MM-dd HH:mm:ss"; the date part is what counts.
        return f"TRY_CAST(left({_text(raw, raw_type)}, 10) AS DATE)"
    if column.kind == "bool":
        if raw_type == "BOOLEAN":
            return raw
        text = _text(raw, raw_type)
        return (f"CASE lower({text}) WHEN 'true' THEN true WHEN '1' THEN true WHEN 'y' THEN true "
                f"WHEN '是' THEN true WHEN 'false' THEN false WHEN '0' THEN false WHEN 'n' THEN false "
                f"WHEN '否' THEN false END")
    if _exact_decimal(raw_type):
        return f"TRY_CAST({raw} AS DECIMAL(18,4))"
    return f"TRY_CAST({_text(raw, raw_type)} AS DECIMAL(18,4))"


def _problems(column: Column, raw: str, typed: str, raw_type: str) -> list[tuple[str, str]]:
    """(condition, reason) in SQL for each requirement of this column the row may break."""
    label = column.name
    out = []
    text = _text(raw, raw_type)
    present = "false" if raw_type == "NULL" else f"{raw} IS NOT NULL" if raw_type != "VARCHAR" else f"{text} IS NOT NULL"
    if column.required:
        out.append((f"NOT ({present})", f"'{label}: 缺失'"))
    if column.kind in ("date", "money", "quantity", "hours", "bool") and typed != raw:
        out.append((f"{present} AND ({typed}) IS NULL", f"'{label}: 无法识别的值 ' || {text}"))
    if column.kind in ("money", "quantity", "hours"):
        exact = f"TRY_CAST({raw} AS DECIMAL(38,10))" if raw_type != "VARCHAR" else f"TRY_CAST({text} AS DECIMAL(38,10))"
        if not _exact_decimal(raw_type):
            out.append((f"{exact} <> round({exact}, 4)", f"'{label}: 最多4位小数'"))
        low = "<= 0" if column.kind == "quantity" else "< 0"
        must = "必须大于0" if column.kind == "quantity" else "不能为负"
        out.append((f"{exact} {low}", f"'{label}: {must}'"))
        out.append((f"{exact} > {_LIMITS[column.kind]}", f"'{label}: 超出范围'"))
    if column.max_length:
        out.append((f"length({typed}) > {column.max_length}", f"'{label}: 超过{column.max_length}个字符'"))
    if column.name in ("code", "hilist_code") and raw_type not in ("VARCHAR", "NULL"):
        # Codes are text: a numeric column has already lost its leading zeros.
        out.append((present, f"'{label}: 项目编码应为字符串，不能是数字'"))
    return out


GRADE_SQL = ("CASE {v} WHEN 'grade_3a' THEN 'grade_3a' WHEN '三甲' THEN 'grade_3a' WHEN 'grade_3b' THEN 'grade_3b' "
             "WHEN '三乙' THEN 'grade_3b' WHEN 'grade_2_or_below' THEN 'grade_2_or_below' "
             "WHEN '二级及以下' THEN 'grade_2_or_below' END")
SEX_SQL = ("CASE lower({v}) WHEN 'm' THEN 'M' WHEN '1' THEN 'M' WHEN '男' THEN 'M' "
           "WHEN 'f' THEN 'F' WHEN '2' THEN 'F' WHEN '女' THEN 'F' END")
ENCOUNTER_SQL = ("CASE lower({v}) WHEN 'inpatient' THEN 'inpatient' WHEN '住院' THEN 'inpatient' WHEN '2' THEN 'inpatient' "
                 "WHEN 'outpatient' THEN 'outpatient' WHEN '门诊' THEN 'outpatient' WHEN '1' THEN 'outpatient' END")
CATEGORY_SQL = "CASE lower({v}) WHEN 'service' THEN 'service' WHEN 'material' THEN 'material' WHEN 'drug' THEN 'drug' END"
_ENUMS = {"hospital_grade": (GRADE_SQL, "未知医院等级"), "sex": (SEX_SQL, "性别应为 M/F（或 1/2、男/女）"),
          "encounter_type": (ENCOUNTER_SQL, "就诊类型应为 inpatient/outpatient"),
          "category": (CATEGORY_SQL, "类别应为 service/material/drug")}


def resolve_columns(available: dict[str, str]) -> dict[str, tuple[str, str] | None]:
    """For each canonical column, the raw column (name, type) it is read from, or None.

    `available` maps the raw relation's column names to their DuckDB types; names match
    case-insensitively, the English name first, then each alias in turn.
    """
    lower = {name.lower(): name for name in available}
    found: dict[str, tuple[str, str] | None] = {}
    for column in COLUMNS:
        found[column.name] = None
        for candidate in (column.name, *column.aliases):
            if candidate in lower:
                raw = lower[candidate]
                found[column.name] = (raw, available[raw])
                break
    return found


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def canonical_sql(source: str, available: dict[str, str], file_no: int | str, row_no: str,
                  read_problem: str | None = None) -> str:
    """SELECT over `source` giving the canonical columns plus `problems` (a list of reasons, empty
    when the row is readable).  `file_no` and `row_no` are SQL: the file's index, each row's number in it."""
    found = resolve_columns(available)
    exprs, problems = [], []
    for column in COLUMNS:
        raw_col = found[column.name]
        raw = _quote(raw_col[0]) if raw_col else "NULL"
        raw_type = raw_col[1] if raw_col else "NULL"
        typed = _typed(column, raw, raw_type)
        if column.name in _ENUMS:
            template, reason = _ENUMS[column.name]
            text = _text(raw, raw_type)
            typed = template.format(v=text)
            problems.append((f"{text} IS NOT NULL AND ({typed}) IS NULL", f"'{column.name}: {reason} ' || {text}"))
        if column.name == "code":
            # The Bill model reads `hilist_code` as the code when `code` is absent.
            hilist = found["hilist_code"]
            if hilist:
                hilist_text = _text(_quote(hilist[0]), hilist[1])
                typed = f"coalesce({typed}, {hilist_text})"
                problems.extend(_problems(Column("hilist_code", "text", max_length=40), _quote(hilist[0]),
                                          hilist_text, hilist[1]))
            problems.append((f"({typed}) IS NULL", "'code: 缺失'"))
        problems.extend(_problems(column, raw, typed, raw_type))
        if column.name == "history":
            typed = f"coalesce({typed}, false)"
        exprs.append(f"{typed} AS {column.name}")
    # The list is built only for a row that breaks something: most rows cost the conditions alone.
    any_problem = " OR ".join(f"coalesce({cond}, false)" for cond, _ in problems)
    reasons = ", ".join(f"CASE WHEN {cond} THEN {reason} END" for cond, reason in problems)
    problem_list = (f"CASE WHEN {any_problem} THEN list_filter([{reasons}], lambda x: x IS NOT NULL) "
                    f"ELSE CAST([] AS VARCHAR[]) END")
    if read_problem:  # a line that could not be parsed at all: its reason stands alone
        problem_list = f"CASE WHEN {read_problem} IS NOT NULL THEN [{read_problem}] ELSE {problem_list} END"
    return (f"SELECT CAST({file_no} AS INTEGER) AS file_no, CAST({row_no} AS BIGINT) AS row_no, "
            f"{', '.join(exprs)}, {problem_list} AS problems FROM {source}")


BILL_PROBLEMS_SQL = """
-- Bill-level checks of the API's Bill model, over canonical rows that read cleanly: a bill that
-- fails one is rejected whole (every row reported), as an invalid request body would be.
WITH per_bill AS (
    SELECT bill_id,
        count(DISTINCT (hospital_grade, birth_date, sex, encounter_type, admitted_on, discharged_on,
                        fixmedins_code)) AS variants,
        min(service_date) FILTER (WHERE NOT history) AS first_day,
        any_value(birth_date) AS birth, any_value(admitted_on) AS admitted, any_value(discharged_on) AS discharged,
        count(*) FILTER (WHERE NOT history) AS lines,
        count(*) FILTER (WHERE NOT history) - count(DISTINCT line_id) FILTER (WHERE NOT history) AS repeated_ids
    FROM {rows} GROUP BY bill_id
), orphans AS (
    SELECT DISTINCT r.bill_id FROM {rows} r
    WHERE NOT r.history AND r.main_line_id IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM {rows} m WHERE m.bill_id = r.bill_id AND NOT m.history AND m.line_id = r.main_line_id)
)
SELECT p.bill_id, concat_ws('；',
    CASE WHEN variants > 1 THEN '同一单据的单据级字段（医院、患者、就诊）在各行不一致' END,
    CASE WHEN lines = 0 THEN '单据没有本次明细（只有 history 行）' END,
    CASE WHEN repeated_ids > 0 THEN 'line_id 重复：每条明细须有唯一的 line_id' END,
    CASE WHEN o.bill_id IS NOT NULL THEN 'main_line_id 不在本单据中' END,
    CASE WHEN birth > first_day THEN '出生日期 ' || birth || ' 晚于服务日期 ' || first_day END,
    CASE WHEN discharged < admitted THEN '出院日期早于入院日期' END) AS reason
FROM per_bill p LEFT JOIN orphans o USING (bill_id)
WHERE variants > 1 OR lines = 0 OR repeated_ids > 0 OR o.bill_id IS NOT NULL OR birth > first_day
   OR discharged < admitted
"""
