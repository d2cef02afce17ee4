"""The engine as a whole: outcome, totals, the registry."""

from decimal import Decimal

from tests.validators.builders import bill, line
from validators.registry import RULES


def test_a_clean_bill_passes_with_no_findings(check):
    report = check(bill(line("33150700500", 4592, amount=4592, name="人工全髋关节置换术", unit="次"),
                        line("31060200800", 10, quantity=2, unit="次"), grade="grade_3a"))
    assert report.outcome == "pass" and report.findings == ()
    assert report.charged == Decimal("4612.00") and report.at_risk == 0


def test_outcome_is_the_worst_result(check):
    assert check(bill(line("33000000012", 400))).outcome == "suspect"
    assert check(bill(line("33000000012", 400), line("33150700500", 9999))).outcome == "violation"


def test_a_line_is_never_at_risk_for_more_than_it_charged(check):
    # A man billed an obstetric item above its price: both findings, one line's money.
    report = check(bill(line("33140002000", 3000), sex="M"))
    assert {f.rule for f in report.findings} >= {"SEX_RESTRICTED", "PRICE_ABOVE_STANDARD"}
    assert report.at_risk == Decimal("3000.00")


def test_the_registry_lists_every_contract_rule_once():
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids)) == 21
    assert {"ITEM_NOT_COVERED", "CODE_UNMAPPED", "PRICE_ABOVE_STANDARD", "FREQUENCY_EXCEEDED", "INDICATION_REQUIRED",
            "HOSPITAL_GRADE_UNKNOWN", "HOSPITAL_GRADE_CONFLICT"} <= set(ids)
