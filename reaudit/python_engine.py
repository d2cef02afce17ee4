"""The Python engine over canonical rows: each bill rebuilt as the API's `Bill` and judged by
`validators.validate` — the reference the other engines are held to (and the fallback of the
DuckDB engine for a rule without SQL)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence

import duckdb
import pyarrow as pa

from price_tables.catalog import Catalog
from price_tables.grades import Grade
from reaudit.findings import BILLS_SCHEMA, FINDINGS_SCHEMA
from reaudit.readers import LINE_FIELDS
from validators import validate
from validators.bill import Bill, BillLine, Encounter, Hospital, Patient
from validators.context import build_context
from validators.findings import Finding, Report
from validators.reference import NO_REFERENCE, ReferenceData
from validators.registry import RULES
from validators.spec import RuleSpec

_RANK = {rule.id: i for i, rule in enumerate(RULES)}
_RUNS = re.compile(r"[0-9]+|[^0-9]+")


def natural_key(line_id: str) -> str:
    """The line order key of `reaudit/sql/lines.py:natkey` (digit runs by value, then text)."""
    out = []
    for run in _RUNS.findall(line_id):
        if run.isascii() and run.isdigit():
            digits = run.lstrip("0")
            out.append(f"0{len(digits):03d}{digits}")
        else:
            out.append(f"1{run}\x01")
    return "".join(out)


def audit(con: duckdb.DuckDBPyConnection, catalog: Catalog, reference: ReferenceData = NO_REFERENCE,
          chunk_rows: int = 1 << 16, progress: Callable[[int], None] | None = None) -> None:
    """Judge every bill of the view `lines` bill by bill: the same tables as the DuckDB engine
    (`findings`, `bill_results`, `rejected_rows`)."""
    from reaudit import results
    from reaudit.chunks import reject_bad_bills, whole_bills
    from reaudit.claims import CANONICAL_COLUMNS

    results.create(con)
    con.execute("INSERT INTO rejected_rows SELECT file_no, row_no, bill_id, array_to_string(problems, '；') FROM lines WHERE bad")
    reader = con.sql(f"SELECT {', '.join(CANONICAL_COLUMNS)} FROM lines WHERE NOT bad "
                     "ORDER BY bill_id, file_no, row_no").to_arrow_reader(1 << 16)
    checks = con.cursor()
    for chunk in whole_bills((pa.Table.from_batches([b]) for b in reader), chunk_rows):
        good, rejected = reject_bad_bills(checks, chunk)
        findings, bills = (judge(good, catalog, reference=reference) if good.num_rows
                           else (FINDINGS_SCHEMA.empty_table(), BILLS_SCHEMA.empty_table()))
        for table, name in ((findings, "findings"), (bills, "bill_results"), (rejected, "rejected_rows")):
            results.insert(checks, name, table)
        if progress:
            progress(chunk.num_rows)
    checks.close()


def bills_of(chunk: pa.Table) -> Iterator[tuple[dict, list[dict]]]:
    """(first row, rows) per bill, bills in the order first met."""
    grouped: dict[str, list[dict]] = {}
    for row in chunk.to_pylist():
        grouped.setdefault(row["bill_id"], []).append(row)
    for rows in grouped.values():
        yield rows[0], rows


def to_bill(first: dict, rows: list[dict]) -> Bill:
    """The API's Bill from canonical rows (already checked: built without validating again)."""
    lines: list[BillLine] = []
    history: list[BillLine] = []
    for row in rows:
        line = BillLine.model_construct(**{name: row[name] for name in LINE_FIELDS})
        (history if row["history"] else lines).append(line)
    return Bill.model_construct(
        bill_id=first["bill_id"],
        hospital=Hospital.model_construct(grade=Grade(first["hospital_grade"]) if first["hospital_grade"] else None,
                                          fixmedins_code=first["fixmedins_code"]),
        patient=Patient.model_construct(birth_date=first["birth_date"], sex=first["sex"]),
        encounter=Encounter.model_construct(type=first["encounter_type"], admitted_on=first["admitted_on"],
                                            discharged_on=first["discharged_on"]),
        lines=lines, history=history)


def _report(bill: Bill, catalog: Catalog, rules: Sequence[RuleSpec] | None,
            reference: ReferenceData) -> Report | list[Finding]:
    if rules is None:
        return validate(bill, catalog, reference)
    ctx = build_context(bill, catalog, reference)
    return [finding for rule in rules for finding in rule.check(rule, ctx)]


def judge(chunk: pa.Table, catalog: Catalog, rules: Sequence[RuleSpec] | None = None,
          reference: ReferenceData = NO_REFERENCE) -> tuple[pa.Table, pa.Table]:
    """(findings, bills) as the DuckDB engine gives them; `rules` limits the run to some rules
    (the DuckDB engine's fallback), else every registered rule runs."""
    findings: list[dict] = []
    bills: list[dict] = []
    for first, rows in bills_of(chunk):
        bill = to_bill(first, rows)
        keys = {r["line_id"]: natural_key(r["line_id"]) for r in rows if not r["history"]}
        bill_row = min(r["row_no"] for r in rows)
        result = _report(bill, catalog, rules, reference)
        found = result.findings if isinstance(result, Report) else result
        # the item each line stands for (its code as sent, or what the code maps make of it)
        codes = {ln.id: ln.code for ln in build_context(bill, catalog, reference).lines} if found else {}
        for f in found:
            findings.append({
                "file_no": first["file_no"], "bill_row": bill_row, "bill_id": bill.bill_id,
                "first_key": min(keys[i] for i in f.line_ids), "rule_rank": _RANK[f.rule], "line_ids": " ".join(f.line_ids),
                "rule": f.rule, "national_rule": f.national_rule, "result": f.result.label, "message": f.message,
                "expected": f.expected, "charged": f.charged, "amount_at_risk": f.amount_at_risk,
                "basis_document": f.basis.document, "basis_seq": f.basis.seq, "basis_text": f.basis.text,
                "risk_line_id": f.risk_line_id, "fixmedins_code": first["fixmedins_code"],
                "hospital_grade": first["hospital_grade"], "code": codes.get(f.risk_line_id or "")})
        if isinstance(result, Report):
            bills.append({"file_no": first["file_no"], "bill_row": bill_row, "bill_id": bill.bill_id,
                          "fixmedins_code": first["fixmedins_code"], "hospital_grade": first["hospital_grade"],
                          "lines": len(bill.lines), "charged": result.charged, "at_risk": result.at_risk,
                          "outcome": result.outcome})
    findings.sort(key=lambda f: (f["file_no"], f["bill_row"], f["first_key"], f["rule_rank"], f["line_ids"], f["message"]))
    return (pa.Table.from_pylist(findings, schema=FINDINGS_SCHEMA), pa.Table.from_pylist(bills, schema=BILLS_SCHEMA))
