"""AGE_RESTRICTED, SEX_RESTRICTED, GRADE_RESTRICTED, CONSENT_REQUIRED, INDICATION_REQUIRED."""

import pytest

from tests.validators.builders import bill, line
from tests.validators.conftest import of_rule

ROBOT = "NAA00000，T2"


@pytest.mark.parametrize(("birth", "restricted"), [("2014-09-04", False), ("2014-09-03", True)])
def test_capillary_sampling_is_for_children_under_their_7th_birthday(check, birth, restricted):
    findings = of_rule(check(bill(line("12040000202", 5), birth=birth)), "AGE_RESTRICTED")
    assert bool(findings) == restricted
    if restricted:
        assert findings[0].national_rule == "GZ10000302003000" and "7周岁" in findings[0].message


def test_obstetric_items_are_not_billed_to_men(check):
    [finding] = of_rule(check(bill(line("33140002000", 2768), sex="M")), "SEX_RESTRICTED")
    assert finding.amount_at_risk == 2768 and finding.national_rule == "GZ10000302004000"


def test_obstetric_items_billed_to_women_pass(check):
    assert not of_rule(check(bill(line("33140002000", 2768), sex="F")), "SEX_RESTRICTED")


@pytest.mark.parametrize(("grade", "restricted"), [("grade_3a", False), ("三乙", False), ("grade_2_or_below", True)])
def test_lung_nodule_reconstruction_only_in_tertiary_hospitals(check, grade, restricted):
    findings = of_rule(check(bill(line("21030000402", 450), grade=grade)), "GRADE_RESTRICTED")
    assert bool(findings) == restricted
    if restricted:
        assert findings[0].national_rule == "GZ10000102011000"


@pytest.mark.parametrize(("consent", "result"), [(False, "violation"), (None, "suspect"), (True, None)])
def test_self_priced_items_need_a_signed_agreement(check, consent, result):
    extra = {} if consent is None else {"consent_signed": consent}
    findings = of_rule(check(bill(line(ROBOT, 30000, **extra))), "CONSENT_REQUIRED")
    assert [f.result.label for f in findings] == ([result] if result else [])


def test_self_priced_items_have_no_price_ceiling(check):
    assert not of_rule(check(bill(line(ROBOT, 30000, consent_signed=True))), "PRICE_ABOVE_STANDARD")


def test_surgery_level_limit_is_suspect_asking_for_records(check):
    [finding] = of_rule(check(bill(line("33000000012", 400))), "INDICATION_REQUIRED")
    assert finding.result.label == "suspect" and "三、四级手术或腔镜手术" in finding.message
    assert finding.national_rule == "GZ10000102007000"


def test_items_without_limits_need_no_records(check):
    assert not of_rule(check(bill(line("33150700500", 4592))), "INDICATION_REQUIRED")


@pytest.mark.parametrize(("hours", "short"), [("0.4", True), ("0.5", False)])
def test_fire_dragon_cupping_lasts_at_least_30_minutes(check, hours, short):
    findings = of_rule(check(bill(line("44000000900", 100, duration_hours=hours))), "INDICATION_REQUIRED")
    assert [f.result.label for f in findings].count("violation") == (1 if short else 0)


@pytest.mark.parametrize(("code", "price", "short", "enough"), [
    ("31060401000", 150, "1.5", "2"),     # 俯卧位通气治疗: 持续俯卧位时间≥2小时
    ("31080002600", 200, "0.75", "1"),    # 手法淋巴引流综合消肿治疗: 整个操作过程需1-1.5小时
    ("31090200202", 350, "20", "24"),     # 24小时pH+阻抗监测: 连续观测24小时
    ("33140002000", 2768, "1.5", "6"),    # 剖宫产术后再次妊娠阴道分娩: 产后严密观察2小时
    ("43000002900", 180, "0.4", "0.5"),   # 脐针疗法: 留置25分钟及以上
])
def test_a_service_shorter_than_its_connotation_states_is_not_the_priced_one(check, code, price, short, enough):
    [violation] = [f for f in of_rule(check(bill(line(code, price, duration_hours=short))), "INDICATION_REQUIRED")
                   if f.result.label == "violation"]
    assert violation.amount_at_risk == price and "不足" in violation.message
    findings = of_rule(check(bill(line(code, price, duration_hours=enough))), "INDICATION_REQUIRED")
    assert all(f.result.label == "suspect" for f in findings)


def test_without_a_duration_the_connotation_minimum_is_asked_of_the_record(check):
    [finding] = of_rule(check(bill(line("31090200202", 350))), "INDICATION_REQUIRED")
    assert finding.result.label == "suspect" and "不少于24小时" in finding.message
