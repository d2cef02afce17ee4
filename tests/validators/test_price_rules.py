"""PRICE_ABOVE_STANDARD (grade, child markup, duration tier, derived price) and AMOUNT_MISMATCH."""

from decimal import Decimal

import pytest

from tests.validators.builders import bill, line
from tests.validators.conftest import of_rule


def test_hip_replacement_above_the_3b_price(check):
    [finding] = of_rule(check(bill(line("33150700500", 4592, amount=4592), grade="grade_3b")), "PRICE_ABOVE_STANDARD")
    amounts = (finding.expected, finding.charged, finding.amount_at_risk)
    assert amounts == (Decimal("4234.00"), Decimal("4592.00"), Decimal("358.00"))
    assert finding.national_rule == "GZ10000102001000"
    assert finding.basis.document == "衢医保联发〔2021〕11号" and finding.basis.seq == 17


@pytest.mark.parametrize("price", ["4592", "4000"])
def test_charging_the_standard_or_less_is_allowed(check, price):
    assert not of_rule(check(bill(line("33150700500", price))), "PRICE_ABOVE_STANDARD")


def test_money_at_risk_is_per_unit_excess_times_quantity(check):
    [finding] = of_rule(check(bill(line("31060200800", 12, quantity=2))), "PRICE_ABOVE_STANDARD")
    assert finding.amount_at_risk == Decimal("4.00")


@pytest.mark.parametrize(("birth", "allowed"), [
    ("2014-09-04", "5970"),   # 6周岁 on 2021-09-03: child price 4592 × 1.3 = 5969.6 → 5970
    ("2014-09-03", "4592"),   # 7th birthday that day: adult price
])
def test_child_markup_applies_until_the_7th_birthday(check, birth, allowed):
    report = check(bill(line("33150700500", 5970), birth=birth))
    findings = of_rule(report, "PRICE_ABOVE_STANDARD")
    if allowed == "5970":
        assert not findings
    else:
        assert findings[0].expected == Decimal(allowed) and findings[0].amount_at_risk == Decimal("1378.00")


def test_exempt_items_get_no_child_markup(check):
    [finding] = of_rule(check(bill(line("33140002300", 2978), birth="2020-01-01")), "PRICE_ABOVE_STANDARD")
    assert finding.expected == Decimal("2291.00")


def test_trauma_team_over_4_hours_may_charge_1500(check):
    assert not of_rule(check(bill(line("12020000300", 1500, duration_hours="4.5"))), "PRICE_ABOVE_STANDARD")


def test_trauma_team_of_exactly_4_hours_is_1000(check):
    [finding] = of_rule(check(bill(line("12020000300", 1500, duration_hours="4"))), "PRICE_ABOVE_STANDARD")
    assert finding.expected == Decimal("1000.00")


def test_half_price_removal_code_is_priced_by_grade(check):
    [finding] = of_rule(check(bill(line("33070303801", 382), grade="三乙")), "PRICE_ABOVE_STANDARD")
    assert finding.expected == Decimal("363.50") and finding.amount_at_risk == Decimal("18.50")


def test_amount_must_equal_quantity_times_unit_price(check):
    [finding] = of_rule(check(bill(line("31060200800", 10, quantity=2, amount=30))), "AMOUNT_MISMATCH")
    assert (finding.expected, finding.amount_at_risk) == (Decimal("20.00"), Decimal("10.00"))
    assert finding.national_rule == "GZ10000201002000"


def test_a_correct_amount_passes(check):
    assert not of_rule(check(bill(line("31060200800", 10, quantity=2, amount="20.00"))), "AMOUNT_MISMATCH")


def tiers(report):
    return of_rule(report, "DURATION_TIER_MISMATCH")


def test_monitoring_charged_at_the_2_hour_tier_for_1_7_hours_fits_the_1_5_hour_tier(check):
    [finding] = tiers(check(bill(line("22060000703", 69, duration_hours="1.7"))))
    assert finding.result.label == "violation" and finding.national_rule is None
    assert (finding.expected, finding.amount_at_risk) == (Decimal("52.00"), Decimal("17.00"))
    assert "22060000702" in finding.message and "(≥2小时)" in finding.message


def test_ct_guidance_of_1_5_hours_or_more_for_one_hour_fits_no_tier_in_the_tables(check):
    [finding] = tiers(check(bill(line("21030000502", 165, duration_hours="1"))))
    assert finding.amount_at_risk == Decimal("165.00") and "没有该时长的档次" in finding.message


def test_the_shorter_tier_charged_for_a_longer_session_is_the_wrong_code_but_no_overcharge(check):
    [finding] = tiers(check(bill(line("22060000702", 52, duration_hours="2.5"))))
    assert finding.result.label == "violation" and finding.amount_at_risk == 0
    assert finding.expected == Decimal("69.00")


@pytest.mark.parametrize(("code", "price", "hours"), [
    ("21030000502", 165, "1.5"), ("22020100902", 30, "3"), ("22060000702", 52, "1.5"),
    ("22060000702", 52, "1.99"), ("22060000703", 69, "2"), ("22060000305", 105, "2")])
def test_a_session_inside_its_tier_passes(check, code, price, hours):
    assert not tiers(check(bill(line(code, price, duration_hours=hours))))


def test_a_tier_without_the_duration_asks_for_the_record(check):
    [finding] = tiers(check(bill(line("22020200302", 52))))
    assert finding.result.label == "suspect" and "duration_hours" in finding.message
    assert finding.basis.text == "项目名称：临床操作的腔内B超引导（1.5小时及以上）"


def exclusive(report):
    return of_rule(report, "MUTUALLY_EXCLUSIVE")


@pytest.mark.parametrize(("sessions", "result"), [(("1", "1"), "violation"), ((None, None), "suspect"),
                                                  (("1", "2"), None)])
def test_two_tiers_of_one_monitoring_are_exclusive_in_one_session(check, sessions, result):
    extra = [{} if s is None else {"session_id": s} for s in sessions]
    report = check(bill(line("22060000702", 52, line_id="a", duration_hours="1.5", **extra[0]),
                        line("22060000703", 69, line_id="b", duration_hours="2", **extra[1])))
    assert [f.result.label for f in exclusive(report)] == ([result] if result else [])
