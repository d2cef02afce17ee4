"""Bills as auditors receive them: a hospital's 费用明细 export (Excel or CSV) checked bill by bill.

The sheet's header is found and placed (`reaudit.expense_sheet`) with what this hospital's
earlier files taught (`storage.column_mappings`); a header nobody can place, or a value every
bill needs and the file lacks, is asked of the user once — and remembered for the hospital.
Then each bill is judged as `/v1/bills/validate` judges one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import msgspec
from pydantic import ValidationError
from sqlmodel import Session

from price_tables.catalog import Catalog
from price_tables.table_file import TableFileError, read_cells
from pricing_api.errors import FieldProblem, InvalidRequest
from pricing_api.services.audit_log import record_audit
from pricing_api.services.bills import check_bill
from pricing_api.storage import column_mappings as stored
from pricing_api.validation_messages import field_name, reason_of
from reaudit.expense_sheet import (
    COLUMN_LABELS,
    PLACEABLE,
    Recognised,
    SheetLayoutError,
    bill_documents,
    fee_rows,
    normalise,
    recognise,
)
from validators.bill import Bill
from validators.reference import ReferenceData

_DECODE = msgspec.json.Decoder()
#: Bill values the user may fill in for the whole file, and the values each accepts.
DEFAULTABLE = {"birth_date": None, "sex": ("M", "F", "男", "女"), "encounter_type": ("inpatient", "outpatient", "住院", "门诊"),
               "admitted_on": None, "discharged_on": None, "bill_id": None}


@dataclass
class SheetCheck:
    layout: dict[str, Any]
    complete: bool
    skipped: list[dict[str, Any]] = field(default_factory=list)
    bills: list[dict[str, Any]] = field(default_factory=list)
    totals: dict[str, Any] = field(default_factory=dict)
    remembered: bool = False


def _placement(placed: dict[str, str]) -> dict[str, str]:
    """The user's answers (header as shown → column), checked and normalised."""
    answers = {}
    for header, column in placed.items():
        if column not in PLACEABLE:
            raise InvalidRequest("列的对应关系无效", [FieldProblem(field=f"mapping.{header[:40]}",
                                                           reason=f"{column[:40]!r} 不是可选的列")])
        if normalise(header):
            answers[normalise(header)] = column
    return answers


def checked_defaults(values: dict[str, str]) -> dict[str, str]:
    out = {}
    for key, value in values.items():
        if key not in DEFAULTABLE:
            raise InvalidRequest("整份文件的取值无效", [FieldProblem(field=f"defaults.{key[:40]}", reason="不是可填写的项")])
        allowed = DEFAULTABLE[key]
        value = (value or "").strip()[:64]
        if value and allowed and value not in allowed:
            problem = FieldProblem(field=f"defaults.{key}", reason=f"应为 {'、'.join(allowed)}")
            raise InvalidRequest("整份文件的取值无效", [problem])
        if value:
            out[key] = value
    return out


def read_layout(data: bytes, *, file_name: str, remembered: dict[str, str], placed: dict[str, str],
                max_rows: int) -> tuple[list[list[str]], Recognised, dict[str, str]]:
    """The sheet's cells and layout, with the user's answers applied over the hospital's."""
    answers = _placement(placed)
    try:
        cells = read_cells(data, file_name, max_rows=max_rows + 40)
        layout = recognise(cells, {**remembered, **answers})
    except (TableFileError, SheetLayoutError) as exc:
        raise InvalidRequest(str(exc), [FieldProblem(field="file", reason=str(exc))]) from None
    return cells, layout, answers


def describe(layout: Recognised, remembered: dict[str, str], answers: dict[str, str]) -> dict[str, Any]:
    """The layout as the page shows it: every header with its column and where that came from."""
    headers = []
    for index, header in enumerate(layout.headers):
        if not header.strip():
            continue
        key = normalise(header)
        column = layout.placed.get(index)
        source = ("user" if key in answers else "remembered" if key in remembered else
                  "builtin" if column else "unplaced")
        headers.append({"header": header, "column": column, "column_label": COLUMN_LABELS.get(column or "", ""),
                        "source": source})
    return {"header_row": layout.header_row, "headers": headers, "unplaced": layout.unplaced,
            "missing": [{"column": c, "label": COLUMN_LABELS[c]} for c in layout.missing],
            "bill_values_needed": [{"column": c, "label": COLUMN_LABELS[c]} for c in layout.bill_values_needed()],
            "bill_values_in_title": sorted(layout.title_values), "choices": COLUMN_LABELS}


def check_sheet(cells: list[list[str]], layout: Recognised, *, defaults: dict[str, str], grade: str | None,
                fixmedins_code: str | None, catalog: Catalog, reference: ReferenceData) -> tuple[list, list, dict]:
    """Judge every bill of the sheet (CPU only): (bills, skipped rows, totals)."""
    sheet = fee_rows(cells, layout, checked_defaults(defaults))
    skipped = [{"row": number, "reason": reason} for number, reason in sheet.skipped]
    bills: list[dict[str, Any]] = []
    charged = at_risk = findings = 0
    for sheet_bill in bill_documents(sheet.rows, grade=grade, fixmedins_code=fixmedins_code):
        rows = {"first_row": sheet_bill.rows[0], "last_row": sheet_bill.rows[-1], "lines": len(sheet_bill.rows),
                "line_items": [{"line_id": line.get("line_id", ""), "row": row, "code": _code_of(line),
                                "name": line.get("name", ""), "service_date": line.get("service_date", "")}
                               for line, row in zip(sheet_bill.document["lines"], sheet_bill.rows, strict=True)]}
        try:
            bill = Bill.model_validate(sheet_bill.document)
        except ValidationError as exc:
            problems = [{"field": field_name(e["loc"]), "reason": reason_of(e),
                         "row": _row_of(e["loc"], sheet_bill.rows)} for e in exc.errors()[:20]]
            bills.append({"bill_id": sheet_bill.bill_id, **rows, "status": "invalid", "problems": problems})
            continue
        report, body = check_bill(bill, catalog, reference)
        result = _DECODE.decode(body)
        charged += _cents(result["totals"]["charged"])
        at_risk += _cents(result["totals"]["at_risk"])
        findings += len(result["findings"])
        bills.append({"bill_id": sheet_bill.bill_id, **rows, "status": "checked", "result": result})
    totals = {"bills": len(bills), "lines": len(sheet.rows), "findings": findings,
              "invalid_bills": sum(1 for b in bills if b["status"] == "invalid"),
              "charged": _yuan(charged), "at_risk": _yuan(at_risk)}
    return bills, skipped, totals


def _code_of(line: dict[str, str]) -> str:
    return line.get("code") or line.get("hilist_code") or line.get("hosplist_code") or ""


def _row_of(loc: tuple, rows: list[int]) -> int | None:
    """The sheet row a bill field's error points to (a line's), else None (a bill-level value)."""
    if len(loc) >= 2 and loc[0] == "lines" and isinstance(loc[1], int) and loc[1] < len(rows):
        return rows[loc[1]]
    return None


def _cents(text: str) -> int:
    whole, _, part = text.partition(".")
    sign = -1 if whole.startswith("-") else 1
    return sign * (abs(int(whole)) * 100 + int((part + "00")[:2]))


def _yuan(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}" if cents >= 0 else f"-{_yuan(-cents)}"


def remembered_mapping(session: Session, fixmedins_code: str | None) -> dict[str, str]:
    return stored.mapping_of(session, fixmedins_code) if fixmedins_code else {}


def remember_mapping(session: Session, fixmedins_code: str, answers: dict[str, str], actor: str) -> None:
    """Keep the user's placements for the hospital's next file (audit-logged)."""
    if not answers:
        return
    mapping = stored.remember(session, fixmedins_code, answers, actor)
    record_audit(session, actor, "remember_columns", f"hospital:{fixmedins_code}",
                 {"placed": answers, "headers_known": len(mapping)})

