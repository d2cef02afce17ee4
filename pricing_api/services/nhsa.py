"""The national interface's bookkeeping: which warnings were given, how each was handled
(3103), and what that says about each rule."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlmodel import Session

from pricing_api.nhsa.feedback import Handling
from pricing_api.schemas.nhsa import FeedbackSummary, RuleFeedback
from pricing_api.storage import nhsa as stored
from validators.registry import RULES_BY_ID

_UNREADABLE_NAME = "就诊信息不完整，无法审核"
#: Days are China's days (UTC+8), as the hospitals and the pricing office count them.
CHINA = dt.timezone(dt.timedelta(hours=8), "CST")


def record_warnings(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        stored.add_warnings(session, rows)


def record_feedback(session: Session, warn_type: str, handlings: list[Handling], key_id: int | None) -> dict[str, Any]:
    """Store every handling (feedback for a warning this service did not give is kept too, and
    counted apart); returns the counts for the answer."""
    stored.add_feedback(session, [{"jr_id": h.jr_id, "warn_type": warn_type[:3], "dspo_way": h.dspo_way,
                                   "reason": h.reason, "key_id": key_id} for h in handlings])
    known = stored.known_jr_ids(session, [h.jr_id for h in handlings])
    return {"recorded": len(handlings), "unknown_warn_rslt_ids": sorted({h.jr_id for h in handlings} - known)}


def feedback_summary(session: Session, *, start: dt.date | None, end: dt.date | None, rule: str | None) -> FeedbackSummary:
    """Per rule: warnings raised in [start, end], how many were continued as billed and how many
    led to a change — the first measure of each rule's quality."""
    after = dt.datetime.combine(start, dt.time(), CHINA) if start else None
    before = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), CHINA) if end else None
    rules = []
    for our_rule, rule_id, warnings, overridden, changed in stored.summary_rows(session, start=after, end=before,
                                                                               rule=rule):
        answered = overridden + changed
        spec = RULES_BY_ID.get(our_rule)
        rules.append(RuleFeedback(rule=our_rule, rule_id=rule_id, rule_name=spec.summary if spec else _UNREADABLE_NAME,
                                  warnings=warnings, overridden=overridden, changed=changed,
                                  unanswered=warnings - answered,
                                  override_rate=round(overridden / answered, 4) if answered else None))
    return FeedbackSummary(start=start, to=end, rules=rules, warnings=sum(r.warnings for r in rules),
                           overridden=sum(r.overridden for r in rules), changed=sum(r.changed for r in rules))
