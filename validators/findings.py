"""What the engine says about a bill."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from enum import IntEnum

ZERO = Decimal("0")


class Result(IntEnum):
    """Result levels, ordered by severity so `max()` gives the bill's outcome."""

    INFO = 1
    SUSPECT = 2
    VIOLATION = 3

    @property
    def label(self) -> str:
        return {Result.INFO: "info", Result.SUSPECT: "suspect", Result.VIOLATION: "violation"}[self]

    @property
    def chinese(self) -> str:
        return {Result.INFO: "提示", Result.SUSPECT: "可疑", Result.VIOLATION: "违规"}[self]


# Basis and Finding are plain slotted dataclasses, not frozen ones: a frozen dataclass's
# __init__ costs several times more, and the engine makes one per finding.  Treat them as values.
@dataclass(slots=True)
class Basis:
    """Where the rule a finding applies is written."""

    document: str | None
    seq: int | None
    text: str


@dataclass(slots=True)
class Finding:
    rule: str
    national_rule: str | None
    result: Result
    line_ids: tuple[str, ...]
    message: str
    basis: Basis
    expected: Decimal | None = None
    charged: Decimal | None = None
    amount_at_risk: Decimal = ZERO
    risk_line_id: str | None = field(default=None, compare=False)
    """The line the money at risk belongs to (for totals that never count a line twice)."""

    def sort_key(self) -> tuple:
        return (self.line_ids, self.rule, self.message)


@dataclass(frozen=True, slots=True)
class Report:
    bill_id: str
    findings: tuple[Finding, ...]
    charged: Decimal
    at_risk: Decimal

    @property
    def outcome(self) -> str:
        worst = max((f.result for f in self.findings), default=Result.INFO)
        return "pass" if worst == Result.INFO else worst.label
