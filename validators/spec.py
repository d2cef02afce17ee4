"""How a rule is declared: id, national 两库 code, one-line summary, result level, check, and its
documentation (what it catches, what a clean bill looks like) beside it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from validators.context import AnyLine, BillContext
from validators.findings import ZERO, Basis, Finding, Result

CENT = Decimal("0.01")
#: Nothing at risk, written as money is: every amount on a finding carries two decimals.
NO_MONEY = Decimal("0.00")


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, ROUND_HALF_UP)


def yuan(amount: Decimal) -> str:
    """Money in a message: 4234.00."""
    return f"{amount.quantize(CENT, ROUND_HALF_UP):f}"


def count(quantity: Decimal) -> str:
    """A quantity in a message: 2, 1.5."""
    text = f"{quantity.normalize():f}"
    return text


@dataclass(frozen=True)
class RuleDoc:
    """A rule's documentation in the anti-pattern / good-pattern form; the README's rule table is
    generated from it (`python -m validators.rule_table`)."""

    catches: str
    """What the rule catches: the bill that trips it (✗)."""
    clean: str
    """What a clean bill looks like (✓)."""
    national: str | None = None
    """The national code column when the rule reports more than one code (else `national_rule`)."""


@dataclass(frozen=True)
class RuleSpec:
    id: str
    national_rule: str | None
    summary: str
    result: Result
    check: Callable[[RuleSpec, BillContext], Iterable[Finding]]
    doc: RuleDoc = field(kw_only=True)

    def finding(self, lines: Sequence[AnyLine], message: str, basis: Basis, *, expected: Decimal | None = None,
                charged: Decimal | None = None, at_risk: Decimal = ZERO, result: Result | None = None,
                risk_line: AnyLine | None = None, national_rule: str | None = None) -> Finding:
        if risk_line is None:
            risk_line = lines[0]
        if at_risk > risk_line.charged:  # never more than the line charged
            at_risk = risk_line.charged
        # Rounded down to the cent: a finding never claims more than was charged.
        at_risk = at_risk.quantize(CENT, ROUND_DOWN) if at_risk > ZERO else NO_MONEY
        line_ids = (lines[0].id,) if len(lines) == 1 else tuple([ln.id for ln in lines])
        # Positional arguments (rule, national_rule, result, line_ids, message, basis, expected,
        # charged, amount_at_risk, risk_line_id): this runs for every finding, and keyword
        # arguments cost more than twice as much.
        return Finding(self.id, national_rule or self.national_rule, result or self.result, line_ids, message, basis,
                       None if expected is None else expected.quantize(CENT, ROUND_HALF_UP),
                       None if charged is None else charged.quantize(CENT, ROUND_HALF_UP),
                       at_risk, risk_line.id)
