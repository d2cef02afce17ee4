"""ITEM_NOT_COVERED, NOT_IN_EFFECT, CHARGE_OUTSIDE_STAY."""

import pytest

from tests.validators.builders import bill, line
from tests.validators.conftest import of_rule


def test_a_code_in_no_table_is_info_and_not_judged(check):
    report = check(bill(line("25010100100", 999, name="血常规")))
    [finding] = report.findings
    assert (finding.rule, finding.result.label) == ("ITEM_NOT_COVERED", "info")
    assert report.outcome == "pass" and report.at_risk == 0


@pytest.mark.parametrize(("day", "in_effect"), [
    ("2021-08-31", False), ("2021-09-01", True), ("2023-08-31", True), ("2023-09-01", False)])
def test_trial_prices_apply_from_2021_09_01_through_2023_08_31(check, day, in_effect):
    report = check(bill(line("31060200800", 10, day=day),
                        encounter={"type": "outpatient"}))
    findings = of_rule(report, "NOT_IN_EFFECT")
    assert (not findings) == in_effect
    if findings:
        assert findings[0].amount_at_risk == 10 and "2023-08-31" in findings[0].message


def test_adjusted_prices_of_11_have_no_end(check):
    report = check(bill(line("33150700500", 4592, day="2026-01-05"), encounter={"type": "outpatient"}))
    assert not of_rule(report, "NOT_IN_EFFECT")


@pytest.mark.parametrize(("day", "outside"), [
    ("2021-08-31", True), ("2021-09-01", False), ("2021-09-12", False), ("2021-09-13", True)])
def test_charges_must_fall_within_the_stay(check, day, outside):
    report = check(bill(line("33150700500", 4592, day=day),
                        encounter={"type": "inpatient", "admitted_on": "2021-09-01", "discharged_on": "2021-09-12"}))
    findings = of_rule(report, "CHARGE_OUTSIDE_STAY")
    assert bool(findings) == outside
    if outside:
        assert findings[0].national_rule == "GZ10000201008000" and findings[0].amount_at_risk == 4592


def test_outpatient_visits_have_no_stay_to_check(check):
    report = check(bill(line("33150700500", 4592, day="2022-01-01"), encounter={"type": "outpatient"}))
    assert not of_rule(report, "CHARGE_OUTSIDE_STAY")
