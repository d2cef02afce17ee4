"""validate(bill, catalog) → Report: run every registered rule over one bill."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from price_tables.catalog import Catalog
from validators.bill import Bill
from validators.context import build_context
from validators.findings import ZERO, Finding, Report
from validators.reference import NO_REFERENCE, ReferenceData
from validators.registry import RULES
from validators.spec import cents


def validate(bill: Bill, catalog: Catalog, reference: ReferenceData = NO_REFERENCE) -> Report:
    """Every rule violation on the bill's lines, with evidence and money at risk.

    `catalog` is an immutable snapshot: the whole bill is judged against one set of prices;
    `reference` (the hospital registry and published code maps) likewise.
    """
    ctx = build_context(bill, catalog, reference)
    findings: list[Finding] = []
    for rule in RULES:
        findings.extend(rule.check(rule, ctx))
    if len(findings) > 1:
        order = {line.id: i for i, line in enumerate(ctx.lines)}
        position = order.__getitem__

        def first_line_then_rule(f: Finding) -> tuple[int, int]:
            ids = f.line_ids
            return (position(ids[0]) if len(ids) == 1 else min(map(position, ids))), _RULE_RANK[f.rule]

        findings.sort(key=first_line_then_rule)
    return Report(bill_id=bill.bill_id, findings=tuple(findings),
                  charged=cents(sum((ln.charged for ln in ctx.lines), ZERO)),
                  at_risk=_total_at_risk(ctx, findings))


_RULE_RANK = {rule.id: i for i, rule in enumerate(RULES)}


def _total_at_risk(ctx, findings: list[Finding]) -> Decimal:
    """Money at risk per line is capped at what the line charged, so overlapping findings on
    one line (over-priced and also not allowed at all) never count it twice."""
    per_line: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for finding in findings:
        if finding.risk_line_id is not None:
            per_line[finding.risk_line_id] += finding.amount_at_risk
    charged = {ln.id: ln.charged for ln in ctx.lines}
    return cents(sum((min(amount, charged[line_id]) for line_id, amount in per_line.items()), ZERO))
