"""Batch re-audit: a file of bills (NDJSON, one request body per line) → findings CSV + summary.

Uses the same engine as `POST /v1/bills/validate`.  A line that is not a valid bill is
counted and reported with its line number and reason; it does not stop the run.
"""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO

from pydantic import ValidationError
from tqdm import tqdm

from price_tables.catalog import Catalog
from price_tables.formula_guard import guard
from pricing_api.json_errors import syntax_error
from pricing_api.schemas.bills import RULE_NAMES
from pricing_api.validation_messages import field_problems
from validators import validate
from validators.bill import FIELD_LABELS, Bill

FINDING_COLUMNS = ("bill_id", "line_ids", "rule", "national_rule", "result", "message", "expected", "charged",
                   "amount_at_risk", "basis_document", "basis_seq", "basis_text",
                   # added later, at the end, so a reader of the older columns is not thrown
                   "rule_name", "codes", "names", "service_dates")


@dataclass
class AuditSummary:
    bills: int = 0
    invalid: list[dict] = field(default_factory=list)
    outcomes: Counter = field(default_factory=Counter)
    findings_by_rule: Counter = field(default_factory=Counter)
    charged: Decimal = Decimal("0")
    at_risk: Decimal = Decimal("0")
    at_risk_by_rule: defaultdict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))

    def as_dict(self) -> dict:
        return {
            "bills": self.bills, "invalid_lines": len(self.invalid), "invalid": self.invalid[:100],
            "outcomes": dict(self.outcomes), "findings_by_rule": dict(self.findings_by_rule),
            "charged": f"{self.charged:.2f}", "at_risk": f"{self.at_risk:.2f}",
            "at_risk_by_rule": {k: f"{v:.2f}" for k, v in self.at_risk_by_rule.items()},
        }


def _reason(exc: Exception, raw: str) -> str:
    """Why a line is not a bill, in Chinese, as the API would say it (never a patient's value)."""
    if isinstance(exc, ValidationError):
        problems = field_problems([dict(e) for e in exc.errors()], labels=FIELD_LABELS)
        return "；".join(f"{p.label or p.field}（{p.field}）：{p.reason}" for p in problems[:5])
    where = syntax_error(raw)  # one line of the file: its line number is reported beside this
    return f"不是有效的 JSON：第 {where.column} 列，{where.reason}" if where is not None else "不是有效的 JSON"


def _lines_of(bill: Bill, line_ids: tuple[str, ...], catalog: Catalog) -> tuple[str, str, str]:
    """(codes, names, service dates) of a finding's lines, space-separated: the name as billed,
    else the catalog's for the code on that day."""
    by_id = {line.line_id: line for line in bill.lines}
    lines = [by_id[i] for i in line_ids if i in by_id]

    def name(line) -> str:
        entry = catalog.entry_on(line.sent_code, line.service_date) or catalog.latest(line.sent_code)
        return line.name or (entry.item.name if entry else "")

    return (guard(" ".join(line.sent_code for line in lines)), guard(" ".join(name(line) for line in lines)),
            " ".join(dict.fromkeys(str(line.service_date) for line in lines)))


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for raw in handle if raw.strip())


def audit_file(source: Path, findings_out: IO[str], catalog: Catalog, progress: bool = True) -> AuditSummary:
    summary = AuditSummary()
    writer = csv.writer(findings_out)
    writer.writerow(FINDING_COLUMNS)
    total = _count_lines(source) if progress else None
    with source.open(encoding="utf-8-sig") as handle, tqdm(total=total, unit="bill", disable=not progress) as bar:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            bar.update(1)
            try:
                bill = Bill.model_validate(json.loads(raw))
            except (ValueError, ValidationError) as exc:
                summary.invalid.append({"line": number, "reason": _reason(exc, raw)})
                continue
            report = validate(bill, catalog)
            summary.bills += 1
            summary.outcomes[report.outcome] += 1
            summary.charged += report.charged
            summary.at_risk += report.at_risk
            for f in report.findings:
                summary.findings_by_rule[f.rule] += 1
                summary.at_risk_by_rule[f.rule] += f.amount_at_risk
                # Text cells guarded against formula injection (a bill id or name may start with "=").
                writer.writerow((guard(report.bill_id), guard(" ".join(f.line_ids)), f.rule, f.national_rule or "",
                                 f.result.label, guard(f.message), "" if f.expected is None else f"{f.expected:.2f}",
                                 "" if f.charged is None else f"{f.charged:.2f}", f"{f.amount_at_risk:.2f}",
                                 guard(f.basis.document or ""), "" if f.basis.seq is None else f.basis.seq,
                                 guard(f.basis.text), RULE_NAMES[f.rule], *_lines_of(bill, f.line_ids, catalog)))
    return summary
