"""FREQUENCY_EXCEEDED (day, hour, admission, course, week, site, line, first session) and
TOTAL_CAP_EXCEEDED (money per course, consumable)."""

from decimal import Decimal

import pytest

from tests.validators.builders import bill, line
from tests.validators.conftest import of_rule


def caps(report):
    return of_rule(report, "FREQUENCY_EXCEEDED")


def test_end_tidal_co2_twice_a_day_is_allowed(check):
    assert not caps(check(bill(line("31060200800", 10, quantity=2))))


def test_end_tidal_co2_a_third_time_the_same_day_is_one_too_many(check):
    [finding] = caps(check(bill(line("31060200800", 10, quantity=2, line_id="a"), line("31060200800", 10, line_id="b"))))
    assert finding.line_ids == ("b",) and finding.amount_at_risk == Decimal("10.00")
    assert finding.national_rule == "GZ10000102014000"


def test_earlier_charges_in_history_count_but_are_not_reported(check):
    report = check(bill(line("31060200800", 10, line_id="new"),
                        history=[line("31060200800", 10, quantity=2, line_id="old")]))
    [finding] = caps(report)
    assert finding.line_ids == ("new",)


def test_the_next_day_starts_afresh(check):
    assert not caps(check(bill(line("31060200800", 10, quantity=2, line_id="a"),
                               line("31060200800", 10, quantity=2, line_id="b", day="2021-09-04"))))


def test_thrombosis_assessment_at_most_twice_per_admission(check):
    report = check(bill(line("11020090300", 5, day="2021-09-20", line_id="3"),
                        history=[line("11020090300", 5, day="2021-09-01", line_id="1"),
                                 line("11020090300", 5, day="2021-09-10", line_id="2")]))
    [finding] = caps(report)
    assert "本次住院共收费3次" in finding.message


def test_mri_simulation_changes_at_most_twice_per_course(check):
    lines = [line("24020000401", 1900, day=f"2021-09-0{d}", line_id=str(d), course_id="C1") for d in (1, 2, 3)]
    [finding] = caps(check(bill(*lines)))
    assert finding.line_ids == ("3",)


def test_a_new_course_has_its_own_count(check):
    lines = [line("24020000401", 1900, day="2021-09-01", line_id="1", course_id="C1"),
             line("24020000401", 1900, day="2021-09-02", line_id="2", course_id="C1"),
             line("24020000401", 1900, day="2021-09-03", line_id="3", course_id="C2")]
    assert not caps(check(bill(*lines)))


def test_a_fixation_pad_priced_per_course_is_charged_once_in_a_course(check):
    lines = [line("24050000600", 400, day="2021-09-01", line_id="1", course_id="R1"),
             line("24050000600", 400, day="2021-09-08", line_id="2", course_id="R1")]
    [finding] = caps(check(bill(*lines)))
    assert finding.line_ids == ("2",) and finding.amount_at_risk == Decimal("400.00")
    assert finding.basis.text == "计价单位：疗程" and "疗程R1" in finding.message


def test_a_fixation_pad_in_each_of_two_courses_passes(check):
    lines = [line("24050000600", 400, day="2021-09-01", line_id="1", course_id="R1"),
             line("24050000600", 400, day="2021-09-08", line_id="2", course_id="R2")]
    assert not caps(check(bill(*lines)))


def test_mri_simulation_positioning_twice_in_a_course_is_one_too_many(check):
    report = check(bill(line("24020000400", 1900, quantity=2, course_id="R1")))
    [finding] = caps(report)
    assert finding.amount_at_risk == Decimal("1900.00")


@pytest.mark.parametrize(("days", "over"), [
    (("2021-09-03", "2021-09-28"), True),    # twice in September
    (("2021-09-30", "2021-10-01"), False),   # once in each calendar month
])
def test_home_peritoneal_dialysis_management_once_a_calendar_month(check, days, over):
    lines = [line("31100000205", 200, day=d, line_id=str(i)) for i, d in enumerate(days)]
    findings = caps(check(bill(*lines, encounter={"type": "outpatient"})))
    assert bool(findings) == over
    if over:
        assert findings[0].line_ids == ("1",) and "2021年9月" in findings[0].message


def test_the_first_session_code_twice_in_a_course_points_to_the_later_session_code(check):
    lines = [line("24030001700", 20000, day="2021-09-01", line_id="1"),
             line("24030001700", 20000, day="2021-09-02", line_id="2")]
    [finding] = caps(check(bill(*lines)))
    assert "24030001701" in finding.message and finding.amount_at_risk == 20000


def test_poultice_two_sites_a_week(check):
    lines = [line("41000001300", 200, day="2021-09-06", line_id=str(i), body_site=site)
             for i, site in enumerate(["左膝", "右膝", "腰"])]
    [finding] = caps(check(bill(*lines)))
    assert finding.line_ids == ("2",)


def test_poultice_at_most_eight_weeks_on_one_site(check):
    import datetime as dt
    start = dt.date(2021, 9, 6)
    lines = [line("41000001300", 200, day=str(start + dt.timedelta(weeks=w)), line_id=str(w), body_site="左膝")
             for w in range(9)]
    report = check(bill(*lines, encounter={"type": "outpatient"}))
    [finding] = caps(report)
    assert finding.line_ids == ("8",) and "9周" in finding.message


def test_lymphocyte_subsets_count_at_most_five_antigens_a_line(check):
    [finding] = caps(check(bill(line("25040103600", 100, quantity=6))))
    assert finding.amount_at_risk == Decimal("100.00")
    assert not caps(check(bill(line("25040103600", 100, quantity=5))))


def test_hourly_items_are_charged_for_the_hours_given(check):
    [finding] = caps(check(bill(line("31060400700", 135, quantity=4, duration_hours="2.5"))))
    assert finding.amount_at_risk == Decimal("135.00")
    assert not caps(check(bill(line("31060400700", 135, quantity=3, duration_hours="2.5"))))


def test_an_hourly_item_cannot_pass_24_hours_a_day(check):
    [finding] = caps(check(bill(line("31060400700", 135, quantity=25))))
    assert "每日最多收费24次" in finding.message


def totals(report):
    return of_rule(report, "TOTAL_CAP_EXCEEDED")


def cyberknife_course(sessions: int):
    lines = [line("24030001700", 20000, day="2021-09-01", line_id="s1", course_id="K")]
    lines += [line("24030001701", 5000, day=f"2021-09-{d + 1:02d}", line_id=f"s{d}", course_id="K")
              for d in range(2, sessions + 1)]
    return bill(*lines)


def test_cyberknife_course_may_reach_exactly_40000(check):
    assert not totals(check(cyberknife_course(5)))   # 20000 + 4 × 5000


def test_cyberknife_course_over_40000_puts_the_excess_at_risk(check):
    [finding] = totals(check(cyberknife_course(6)))
    assert finding.line_ids == ("s6",) and finding.amount_at_risk == Decimal("5000.00")
    assert finding.national_rule == "GZ10000102015000"


def test_sbrt_course_cap_is_33000(check):
    lines = [line("24030001800", 17000, day="2021-09-01", line_id="f", course_id="S")]
    lines += [line("24030001801", 4000, day=f"2021-09-0{d}", line_id=f"n{d}", course_id="S") for d in range(2, 7)]
    [finding] = totals(check(bill(*lines)))   # 17000 + 5 × 4000 = 37000
    assert finding.amount_at_risk == Decimal("4000.00")


def test_ultrasonic_scalpel_head_capped_at_2500(check):
    report = check(bill(line("33000000012", 400, line_id="op"),
                        line("C0001", 2600, line_id="head", name="一次性超声刀头", main_line_id="op")))
    [finding] = totals(report)
    assert finding.amount_at_risk == Decimal("100.00") and finding.line_ids == ("head", "op")


def test_ultrasonic_scalpel_head_at_purchase_price(check):
    report = check(bill(line("33000000012", 400, line_id="op"),
                        line("C0001", 2100, line_id="head", main_line_id="op", purchase_price=2000)))
    [finding] = totals(report)
    assert finding.amount_at_risk == Decimal("100.00") and finding.expected == Decimal("2000.00")


def test_ultrasonic_scalpel_head_within_cap_at_cost_passes(check):
    report = check(bill(line("33000000012", 400, line_id="op"),
                        line("C0001", 2500, line_id="head", main_line_id="op", purchase_price=2500)))
    assert not totals(report)
