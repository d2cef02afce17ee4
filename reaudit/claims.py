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

from validators.bill import _CHRG_TYPES, _HILIST_TYPES, _UNKNOWN_SEX

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
    Column("fixmedins_code", "text", ("medins_id",), False, True, 30,
           "the hospital (定点医药机构编号): its grade is the hospital registry's when registered"),
    Column("hospital_grade", "text", ("grade",), False, True, None,
           "grade_3a | grade_3b | grade_2_or_below, or 三甲 | 三乙 | 二级及以下 (the registry's grade, when known, wins)"),
    Column("birth_date", "date", ("brdy",), True, True, None, "YYYY-MM-DD (a 3101 datetime is accepted)"),
    Column("sex", "text", ("gend",), False, True, None,
           "M | F (3101 gend 1/2, 男/女 accepted); absent or 0/9 (未知/未说明): sex checks are skipped"),
    Column("encounter_type", "text", ("med_mdtrt_type",), True, True, None, "inpatient | outpatient (住院/门诊, 3101 2/1)"),
    Column("admitted_on", "date", ("adm_date",), False, True, None, "admission date"),
    Column("discharged_on", "date", ("dscg_date",), False, True, None, "discharge date"),
    # line columns
    Column("line_id", "text", ("rx_id",), True, False, 64, "unique within the bill"),
    Column("code", "text", (), False, False, 40, "the price table's item code (or any code the hospital uses)"),
    Column("hilist_code", "text", (), False, False, 50, "医保项目编码 (national code), resolved through the code maps"),
    Column("hosplist_code", "text", (), False, False, 50, "医院项目编码 (the hospital's own), resolved through the code maps"),
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
CANONICAL_COLUMNS = ("file_no", "row_no", *COLUMN_NAMES)
"""The columns of a canonical row (besides `bad` and `problems`)."""
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

GRADE_SQL = ("CASE {v} WHEN 'grade_3a' THEN 'grade_3a' WHEN '三甲' THEN 'grade_3a' WHEN 'grade_3b' THEN 'grade_3b' "
             "WHEN '三乙' THEN 'grade_3b' WHEN 'grade_2_or_below' THEN 'grade_2_or_below' "
             "WHEN '二级及以下' THEN 'grade_2_or_below' END")
# The usual spelling first: most rows never reach lower().
SEX_SQL = ("CASE {v} WHEN 'M' THEN 'M' WHEN 'F' THEN 'F' ELSE CASE lower({v}) WHEN 'm' THEN 'M' WHEN '1' THEN 'M' "
           "WHEN '男' THEN 'M' WHEN 'f' THEN 'F' WHEN '2' THEN 'F' WHEN '女' THEN 'F' END END")
UNKNOWN_SEX = "(" + ", ".join(f"'{v}'" for v in sorted(_UNKNOWN_SEX) if v) + ")"  # as the API's Patient reads them
ENCOUNTER_SQL = ("CASE {v} WHEN 'inpatient' THEN 'inpatient' WHEN 'outpatient' THEN 'outpatient' ELSE "
                 "CASE lower({v}) WHEN 'inpatient' THEN 'inpatient' WHEN '住院' THEN 'inpatient' WHEN '2' THEN 'inpatient' "
                 "WHEN 'outpatient' THEN 'outpatient' WHEN '门诊' THEN 'outpatient' WHEN '1' THEN 'outpatient' END END")
CATEGORY_SQL = ("CASE {v} WHEN 'service' THEN 'service' WHEN 'material' THEN 'material' WHEN 'drug' THEN 'drug' ELSE "
                "CASE lower({v}) WHEN 'service' THEN 'service' WHEN 'material' THEN 'material' WHEN 'drug' THEN 'drug' END END")
_ENUMS = {"hospital_grade": (GRADE_SQL, "未知医院等级"), "sex": (SEX_SQL, "性别应为 M/F（或 1/2、男/女）"),
          "encounter_type": (ENCOUNTER_SQL, "就诊类型应为 inpatient/outpatient"),
          "category": (CATEGORY_SQL, "类别应为 service/material/drug")}
# 3101 目录类别 (hilist_type) and 收费类别 (chrg_type) give the category when a row has none, as
# the API's BillLine reads them (a value the national dictionaries do not list leaves it unset).
_NATIONAL_CATEGORY = {"hilist_type": _HILIST_TYPES, "chrg_type": _CHRG_TYPES}


def _exact_decimal(raw_type: str) -> bool:
    """A typed number that has at most 4 decimal places by its type: no need to look."""
    if raw_type in _NUMERIC:
        return True
    return raw_type.startswith("DECIMAL(") and int(raw_type.rstrip(")").split(",")[1]) <= 4


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


def _text_of(raw: str, raw_type: str, trim: bool) -> str:
    """A cell as text.  Text formats are stripped like the API's request bodies, and an empty
    cell is absent (CSV cannot tell them apart); typed files (Parquet) keep their strings as
    written, an empty string being absent."""
    if raw_type == "NULL":
        return "CAST(NULL AS VARCHAR)"
    if raw_type != "VARCHAR":
        return f"CAST({raw} AS VARCHAR)"
    if trim:
        return f"NULLIF(trim({raw}, '{_WHITESPACE}'), '')"
    return f"NULLIF({raw}, '')"


class _Reading:
    """How the canonical columns are read from one source: the first layer's expressions over
    the source, and the checks (condition, reason) over the first layer's columns."""

    def __init__(self, available: dict[str, str], trim: bool):
        self.found = resolve_columns(available)
        self.lower = {name.lower(): name for name in available}
        self.available = available
        self.trim = trim
        self.first: list[str] = []  # expressions of the first layer (over the source)
        self.typed: list[str] = []  # each canonical column over the first layer
        self.checks: list[tuple[str, str]] = []

    def source(self, name: str) -> tuple[str, str]:
        raw_col = self.found[name]
        return (_quote(raw_col[0]), raw_col[1]) if raw_col else ("NULL", "NULL")

    def add(self, column: Column) -> None:
        name = column.name
        raw, raw_type = self.source(name)
        text = f'"t${name}"'
        self.first.append(f"{_text_of(raw, raw_type, self.trim)} AS {text}")
        absent = raw_type == "NULL"
        if name == "code":
            self._code(text, column)
            return
        typed = text
        if name in _ENUMS or column.kind != "text":
            typed = f'"v${name}"'
            self.first.append(f"{self._typed(column, raw, raw_type, text)} AS {typed}")
        if column.required:
            # a typed cell is present when its value is (no need to write it out as text)
            lossless = column.kind != "text" and (raw_type in ("DATE", "BOOLEAN") or raw_type.startswith("TIMESTAMP")
                                                  or column.kind in ("money", "quantity", "hours") and _exact_decimal(raw_type))
            self.checks.append(("true" if absent else f"{typed if lossless else text} IS NULL", f"'{name}: 缺失'"))
        if name == "history":
            self.typed.append(f"coalesce({typed}, false) AS {name}")
        else:
            self.typed.append(f"{typed} AS {name}")
        if absent:
            return
        if name in _ENUMS:
            # a sex "not known" (0, 9, 未知…) is no sex, as the API's Patient reads it
            unknown = f" AND lower({text}) NOT IN {UNKNOWN_SEX}" if name == "sex" else ""
            self.checks.append((f"{text} IS NOT NULL AND {typed} IS NULL{unknown}", f"'{name}: {_ENUMS[name][1]} ' || {text}"))
        elif column.kind != "text" and raw_type not in ("DATE", "BOOLEAN") and not raw_type.startswith("TIMESTAMP") \
                and not (column.kind in ("money", "quantity", "hours") and _exact_decimal(raw_type)):
            self.checks.append((f"{text} IS NOT NULL AND {typed} IS NULL", f"'{name}: 无法识别的值 ' || {text}"))
        if column.kind in ("money", "quantity", "hours"):
            self._number_checks(column, raw, raw_type, text)
        if column.max_length:
            self.checks.append(_too_long(name, text, column.max_length))
        if name == "hilist_code" and raw_type != "VARCHAR":
            # Codes are text: a numeric column has already lost its leading zeros.
            self.checks.append((f"{text} IS NOT NULL", f"'{name}: 项目编码应为字符串，不能是数字'"))

    def _code(self, text: str, column: Column) -> None:
        """A line carries some code: `code`, `hilist_code` or `hosplist_code` (resolved by the engines)."""
        raw, raw_type = self.source("code")
        sent = [f'"t${name}"' for name in ("code", "hilist_code", "hosplist_code") if self.found[name]]
        self.checks.append((" AND ".join(f"{c} IS NULL" for c in sent) or "true",
                            "'code: 缺少项目编码：code、hilist_code、hosplist_code 至少填一个'"))
        self.typed.append(f"{text} AS code")
        if raw_type != "NULL":
            self.checks.append(_too_long("code", text, column.max_length or 40))
            if raw_type != "VARCHAR":
                self.checks.append((f"{text} IS NOT NULL", "'code: 项目编码应为字符串，不能是数字'"))

    def _national_category(self, typed: str) -> str:
        parts = [typed]
        for field, mapping in _NATIONAL_CATEGORY.items():
            if field in self.lower:
                raw = _quote(self.lower[field])
                cases = " ".join(f"WHEN '{code}' THEN '{category}'" for code, category in mapping.items())
                parts.append(f"CASE trim(CAST({raw} AS VARCHAR)) {cases} END")
        return parts[0] if len(parts) == 1 else f"coalesce({', '.join(parts)})"

    def _typed(self, column: Column, raw: str, raw_type: str, text: str) -> str:
        text = _text_of(raw, raw_type, self.trim)  # over the source, like every first-layer expression
        if column.name in _ENUMS:
            typed = _ENUMS[column.name][0].format(v=text)
            return self._national_category(typed) if column.name == "category" else typed
        if raw_type == "NULL":
            return {"date": "CAST(NULL AS DATE)", "bool": "CAST(NULL AS BOOLEAN)"}.get(column.kind, "CAST(NULL AS DECIMAL(18,4))")
        if column.kind == "date":
            if raw_type == "DATE":
                return raw
            if raw_type.startswith("TIMESTAMP"):
                return f"CAST({raw} AS DATE)"
            # 3101 sends "yyyy-MM-dd HH:mm:ss"; the date part is what counts.
            return f"TRY_CAST(left({text}, 10) AS DATE)"
        if column.kind == "bool":
            if raw_type == "BOOLEAN":
                return raw
            return (f"CASE lower({text}) WHEN 'true' THEN true WHEN '1' THEN true WHEN 'y' THEN true "
                    f"WHEN '是' THEN true WHEN 'false' THEN false WHEN '0' THEN false WHEN 'n' THEN false "
                    f"WHEN '否' THEN false END")
        if _exact_decimal(raw_type):
            return f"TRY_CAST({raw} AS DECIMAL(18,4))"
        return f"TRY_CAST({text} AS DECIMAL(18,4))"

    def _number_checks(self, column: Column, raw: str, raw_type: str, text: str) -> None:
        name = column.name
        value = raw  # a typed number is checked as it is (its cast to 4 places may not hold it)
        if raw_type == "NULL":
            return
        if not _exact_decimal(raw_type):
            # the typed value is rounded to 4 places: the exact one says whether it had more
            exact = f"TRY_CAST({text} AS DECIMAL(38,10))"
            self.checks.append((f"{exact} <> round({exact}, 4)", f"'{name}: 最多4位小数'"))
            value = exact
        low = "<= 0" if column.kind == "quantity" else "< 0"
        must = "必须大于0" if column.kind == "quantity" else "不能为负"
        self.checks.append((f"{value} {low}", f"'{name}: {must}'"))
        self.checks.append((f"{value} > {_LIMITS[column.kind]}", f"'{name}: 超出范围'"))


def _too_long(name: str, text: str, limit: int) -> tuple[str, str]:
    # strlen (bytes) first: the characters are counted only for a long value
    return f"strlen({text}) > {limit} AND length({text}) > {limit}", f"'{name}: 超过{limit}个字符'"


def canonical_sql(source: str, available: dict[str, str], file_no: int | str, row_no: str,
                  read_problem: str | None = None, trim: bool = True) -> str:
    """SELECT over `source` giving the canonical columns, `bad` (the row cannot be judged) and
    `problems` (its reasons, built only for a bad row, and only when selected).

    `file_no` and `row_no` are SQL: the file's index, each row's number in it.  `trim`: strip
    text cells (text formats); typed files keep their strings."""
    reading = _Reading(available, trim)
    for column in COLUMNS:
        reading.add(column)
    checks = reading.checks
    if read_problem:  # a line that could not be parsed at all: its reason stands alone
        checks = [(f"{read_problem} IS NOT NULL", read_problem), *checks]
    bad = "coalesce(" + " OR ".join(f"({cond})" for cond, _ in checks) + ", false)"
    reasons = ", ".join(f"CASE WHEN {cond} THEN {reason} END" for cond, reason in checks)
    problems = f"list_filter([{reasons}], lambda x: x IS NOT NULL)"
    if read_problem:
        problems = f"CASE WHEN {read_problem} IS NOT NULL THEN [{read_problem}] ELSE {problems} END"
    first = ", ".join(reading.first)
    extra = f", {read_problem}" if read_problem else ""
    # Three layers, so each expression is worked out once: the cells as read, the typed columns
    # and whether the row is bad, then the reasons (for bad rows only).
    return (f"SELECT {', '.join(CANONICAL_COLUMNS)}, bad, CASE WHEN bad THEN {problems} END AS problems FROM ("
            f"SELECT file_no, row_no, {', '.join(reading.typed)}, ({bad}) AS bad, * EXCLUDE (file_no, row_no) FROM ("
            f"SELECT CAST({file_no} AS INTEGER) AS file_no, CAST({row_no} AS BIGINT) AS row_no, {first}{extra} "
            f"FROM {source}))")


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
