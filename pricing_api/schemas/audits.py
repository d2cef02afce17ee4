"""Shapes of audit runs, their findings under review, and the rule-quality report."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, computed_field

from pricing_api.schemas.common import FormText, MoneyStr, OutModel

Decision = Literal["confirmed", "rejected", "false_positive"]
Stage = Literal["open", "first", "final"]
_CENT = Decimal("0.01")


def _yuan(cents: int | None) -> Decimal | None:
    return None if cents is None else (Decimal(cents) / 100).quantize(_CENT)


class AuditRunOut(OutModel):
    """A run: what it judged, how far it is, what it found."""

    id: int
    title: str
    source_name: str
    source_sha256: str
    source_bytes: int
    engine: str
    state: Literal["queued", "running", "done", "failed"]
    state_label: str = Field(description="排队中 / 审核中 / 已完成 / 失败")
    progress: int = Field(description="Percent done")
    stage: str = Field(description="What the run is doing now")
    lines_read: int
    bills_judged: int
    rejected_rows: int = Field(description="Rows that could not be read (see rejected_sample)")
    findings_count: int
    at_risk: MoneyStr
    catalog_version: str
    error: str
    created_at: dt.datetime
    created_by: str | None
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


class FacetOut(BaseModel):
    key: str
    label: str = Field(description="The hospital's name, the rule's Chinese name, the stage's name")
    extra: str = Field(description="The hospital's grade, the rule's national code")
    findings: int
    at_risk: MoneyStr


class AuditRunDetail(AuditRunOut):
    summary: dict[str, Any] = Field(description="Per rule, hospital and item: findings and money at risk")
    rejected_sample: list[dict[str, Any]] = Field(description="The first rows that could not be read: row, reason")
    hospitals: list[FacetOut] = Field(description="Findings and money at risk per hospital")
    rules: list[FacetOut] = Field(description="Findings and money at risk per rule")
    stages: list[FacetOut] = Field(description="Findings per review stage")


class AuditRunPage(BaseModel):
    runs: list[AuditRunOut]
    total: int


class AuditFindingOut(OutModel):
    """One finding with its review."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    bill_id: str
    fixmedins_code: str
    hospital_grade: str
    line_ids: list[str]
    risk_line_id: str
    code: str
    item_name: str
    service_date: dt.date | None
    rule: str
    rule_name: str
    national_rule: str
    result: str
    message: str
    expected: MoneyStr | None
    charged: MoneyStr | None
    at_risk: MoneyStr
    basis_document: str
    basis_seq: int | None
    basis_text: str
    stage: Stage
    first_decision: Decision | None
    first_comment: str
    first_by_name: str
    first_at: dt.datetime | None
    second_decision: Decision | None
    second_comment: str
    second_by_name: str
    second_at: dt.datetime | None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def decision(self) -> Decision | None:
        """The latest decision (复审's once it exists)."""
        return self.second_decision or self.first_decision


class AuditFindingPage(BaseModel):
    findings: list[AuditFindingOut]
    total: int = Field(description="Findings matching the filter")
    at_risk: MoneyStr = Field(description="Their money at risk")
    limit: int
    offset: int


class FindingFilterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fixmedins_code: Annotated[str, StringConstraints(max_length=64)] | None = None
    rule: Annotated[str, StringConstraints(max_length=40)] | None = None
    stage: Stage | None = None
    decision: Decision | None = None
    min_amount: Annotated[Decimal, Field(ge=0, le=10_000_000, decimal_places=2)] | None = None
    bill_id: Annotated[str, StringConstraints(max_length=64)] | None = None


class ReviewIn(BaseModel):
    """A 初审 or 复审 decision on findings named by id (up to 1,000) or by filter."""

    model_config = ConfigDict(extra="forbid")

    stage: Literal["first", "second"] = Field(description="first: 初审; second: 复审 (by another reviewer)")
    decision: Decision = Field(description="confirmed 成立 / rejected 不成立 / false_positive 误报")
    comment: Annotated[FormText, StringConstraints(max_length=1000)] = Field(
        "", description="Required for 不成立 and 误报, and for a 复审 that changes the 初审 decision")
    finding_ids: Annotated[list[Annotated[int, Field(ge=1, le=2**62)]], Field(max_length=1000)] | None = None
    filter: FindingFilterIn | None = Field(None, description="Every finding of the run matching it (instead of ids)")


class ReviewOut(BaseModel):
    run_id: int
    stage: str
    decision: str
    updated: int
    at_risk: MoneyStr


class RuleMonth(BaseModel):
    month: str
    decided: int
    confirmed: int
    rejected: int
    false_positive: int
    confirmed_amount: MoneyStr


class HisFeedbackOut(BaseModel):
    warnings: int
    overridden: int
    changed: int
    override_rate: float | None


class RuleQualityOut(BaseModel):
    rule: str
    rule_name: str
    national_rule: str
    findings: int = Field(description="Findings of audit runs")
    decided: int = Field(description="Of which decided by 复审")
    confirmed: int
    rejected: int
    false_positive: int
    false_positive_rate: float | None = Field(description="误报 / decided")
    confirmed_rate: float | None
    confirmed_amount: MoneyStr
    months: list[RuleMonth] = Field(description="Per month of the 复审 decision")
    his_feedback: HisFeedbackOut | None = Field(description="3103: how hospitals handled this rule's warnings")


class RuleQualityReport(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    start: dt.date | None = Field(None, alias="from")
    to: dt.date | None = None
    rules: list[RuleQualityOut]


def finding_out(record: Any, rule_name: str) -> AuditFindingOut:
    return AuditFindingOut.of(record, rule_name=rule_name, line_ids=record.line_ids.split(" ") if record.line_ids else [],
                              expected=_yuan(record.expected_cents), charged=_yuan(record.charged_cents),
                              at_risk=_yuan(record.at_risk_cents))

