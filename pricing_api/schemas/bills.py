"""Response shape of `POST /v1/bills/validate`."""

from __future__ import annotations

from typing import Literal, cast

import msgspec
from pydantic import BaseModel, Field

from price_tables.catalog import Catalog
from validators.findings import Finding, Report
from validators.spec import yuan

ResultLabel = Literal["violation", "suspect", "info"]
Outcome = Literal["pass", "suspect", "violation"]


class BasisOut(BaseModel):
    document: str | None = Field(description="文号 of the notice stating the rule")
    seq: int | None = Field(description="序号 of the row in that notice")
    text: str = Field(description="The rule's source text")


class FindingOut(BaseModel):
    rule: str = Field(description="Rule id, e.g. PRICE_ABOVE_STANDARD")
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
        return cls.model_construct(rule=f.rule, national_rule=f.national_rule, result=cast(ResultLabel, f.result.label),
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
        "rule": f.rule, "national_rule": f.national_rule, "result": f.result.label, "line_ids": f.line_ids,
        "message": f.message, "expected": f.expected, "charged": f.charged, "amount_at_risk": f.amount_at_risk,
        "basis": {"document": f.basis.document, "seq": f.basis.seq, "text": f.basis.text},
    } for f in report.findings]
    return _ENCODE({"bill_id": report.bill_id, "outcome": report.outcome, "findings": findings,
                    "totals": {"charged": report.charged, "at_risk": report.at_risk},
                    "catalog_version": catalog.version_tag})


_ENCODE = msgspec.json.Encoder().encode
