"""Response shapes of `POST /v1/bills/validate` and `POST /v1/bills/sheet`."""

from __future__ import annotations

from typing import Any, Literal, cast

import msgspec
from pydantic import BaseModel, Field

from price_tables.catalog import Catalog
from validators.findings import Finding, Report
from validators.registry import RULES
from validators.spec import yuan

ResultLabel = Literal["violation", "suspect", "info"]
#: Each rule's Chinese name: the summary it is declared with (for a national rule, its name in the 两库).
RULE_NAMES = {rule.id: rule.summary for rule in RULES}
Outcome = Literal["pass", "suspect", "violation"]


class BasisOut(BaseModel):
    document: str | None = Field(description="文号 of the notice stating the rule")
    seq: int | None = Field(description="序号 of the row in that notice")
    text: str = Field(description="The rule's source text")


class FindingOut(BaseModel):
    rule: str = Field(description="Rule id, e.g. PRICE_ABOVE_STANDARD")
    rule_name: str = Field(description="The rule's name in Chinese (the national rule's name where it has one), "
                                       "e.g. 医疗服务项目超限定单价收费")
    national_rule: str | None = Field(description="National 两库 rule code, where one exists")
    result: ResultLabel
    line_ids: list[str]
    message: str = Field(description="中文说明, naming the numbers")
    expected: str | None = Field(None, description="Standard or cap (decimal string, yuan)", examples=["4234.00"])
    charged: str | None = Field(None, description="What was charged (decimal string, yuan)", examples=["4592.00"])
    amount_at_risk: str = Field(description="Charged above what the rules allow (decimal string, yuan)", examples=["358.00"])
    basis: BasisOut

    @classmethod
    def of(cls, f: Finding) -> FindingOut:
        # model_construct: the engine's values are already of the right types; validating
        # them again would cost more than judging the line did.
        return cls.model_construct(rule=f.rule, rule_name=RULE_NAMES[f.rule], national_rule=f.national_rule,
                                   result=cast(ResultLabel, f.result.label),
                                   line_ids=list(f.line_ids),
                   message=f.message, expected=_money(f.expected), charged=_money(f.charged),
                                   amount_at_risk=yuan(f.amount_at_risk),
                   basis=BasisOut.model_construct(document=f.basis.document, seq=f.basis.seq, text=f.basis.text))


def _money(amount):
    return None if amount is None else yuan(amount)


class Totals(BaseModel):
    charged: str = Field(description="Sum of what the bill's lines charge (decimal string, yuan)")
    at_risk: str = Field(description="Money charged above what the rules allow, each line counted at most once")


class BillResult(BaseModel):
    bill_id: str
    outcome: Outcome
    findings: list[FindingOut]
    totals: Totals
    catalog_version: str = Field(description="The price snapshot the bill was judged against")

    @classmethod
    def of(cls, report: Report, catalog: Catalog) -> BillResult:
        return cls.model_construct(bill_id=report.bill_id, outcome=cast(Outcome, report.outcome),
                                   findings=[FindingOut.of(f) for f in report.findings],
                                   totals=Totals.model_construct(charged=yuan(report.charged), at_risk=yuan(report.at_risk)),
                                   catalog_version=catalog.version_tag)


def result_json(report: Report, catalog: Catalog) -> bytes:
    """The `BillResult` of a report as JSON bytes, built directly: the hot path of the validate
    endpoint (about three times faster than constructing and dumping the models; a test holds
    the two to the same output)."""
    # Every amount on a finding and in the totals is already to the cent (`validators.spec`),
    # so msgspec writes it as the decimal string the contract promises ("4234.00").
    findings = [{
        "rule": f.rule, "rule_name": RULE_NAMES[f.rule], "national_rule": f.national_rule, "result": f.result.label,
        "line_ids": f.line_ids,
        "message": f.message, "expected": f.expected, "charged": f.charged, "amount_at_risk": f.amount_at_risk,
        "basis": {"document": f.basis.document, "seq": f.basis.seq, "text": f.basis.text},
    } for f in report.findings]
    return _ENCODE({"bill_id": report.bill_id, "outcome": report.outcome, "findings": findings,
                    "totals": {"charged": report.charged, "at_risk": report.at_risk},
                    "catalog_version": catalog.version_tag})


_ENCODE = msgspec.json.Encoder().encode


class SheetHeader(BaseModel):
    header: str = Field(description="As printed in the file")
    column: str | None = Field(description="The flat-format column it was placed on; null: not placed yet")
    column_label: str
    source: Literal["builtin", "remembered", "user", "unplaced"] = Field(
        description="builtin: a name vendors use; remembered: this hospital's earlier answer; user: this request's")


class SheetColumn(BaseModel):
    column: str
    label: str


class SheetLayoutOut(BaseModel):
    header_row: int = Field(description="The file row the header was found on (title rows above it are read for "
                                        "bill values: 住院号, 入院日期 …)")
    headers: list[SheetHeader]
    unplaced: list[str] = Field(description="Headers to place (a column, or `ignore`) in `mapping`")
    missing: list[SheetColumn] = Field(description="Columns a fee line needs that no header gives")
    bill_values_needed: list[SheetColumn] = Field(description="Bill values neither a column nor the title rows give: "
                                                              "fill them in `defaults`, for the whole file")
    bill_values_in_title: list[str] = Field(description="Bill values read from the title rows (names only)")
    choices: dict[str, str] = Field(description="Every column a header may be placed on, in Chinese")


class SheetProblem(BaseModel):
    field: str
    reason: str
    row: int | None = Field(description="The file row, for a line's problem")


class SheetLine(BaseModel):
    line_id: str
    row: int = Field(description="The file row")
    code: str
    name: str
    service_date: str


class SheetBill(BaseModel):
    bill_id: str
    first_row: int
    last_row: int
    lines: int
    line_items: list[SheetLine] = Field(description="Each fee line: its id in the findings and its row in the file")
    status: Literal["checked", "invalid"]
    result: BillResult | None = None
    problems: list[SheetProblem] = Field(default_factory=list)


class SheetTotals(BaseModel):
    bills: int
    lines: int
    findings: int
    invalid_bills: int
    charged: str
    at_risk: str


class SheetCheckOut(BaseModel):
    """A 费用明细 file: how it was read, and — once every header is placed — each bill's result."""

    status: Literal["needs_mapping", "checked"]
    layout: SheetLayoutOut
    remembered: bool = Field(description="The placements were kept for this hospital's next file")
    skipped: list[dict[str, Any]] = Field(default_factory=list, description="Rows left out: totals rows, rows without "
                                                                            "an item code (row, reason)")
    bills: list[SheetBill] = Field(default_factory=list)
    totals: SheetTotals | None = None
