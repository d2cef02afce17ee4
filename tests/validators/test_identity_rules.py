"""NAME_MISMATCH, UNIT_MISMATCH."""

import pytest

from tests.validators.builders import bill, line
from tests.validators.conftest import of_rule


def test_a_different_name_under_the_code_is_suspect(check):
    [finding] = of_rule(check(bill(line("33150700500", 4592, name="人工膝关节置换术"))), "NAME_MISMATCH")
    assert finding.result.label == "suspect"
    assert "人工全髋关节置换术" in finding.message


def test_names_differing_only_in_bracket_width_match(check):
    report = check(bill(line("32050000900", 40, name="主动脉内球囊反搏（IABP）运行监测", unit="小时")))
    assert not of_rule(report, "NAME_MISMATCH")


def test_a_different_unit_is_reported(check):
    [finding] = of_rule(check(bill(line("33080200300", 8960, unit="次"))), "UNIT_MISMATCH")
    assert "支" in finding.message


def test_the_right_unit_passes(check):
    assert not of_rule(check(bill(line("33080200300", 8960, unit="支"))), "UNIT_MISMATCH")


@pytest.mark.parametrize("name", [
    "X线立体定向放射治疗（射波刀，第二次起）", "X线立体定向放射治疗（射波刀）", "X线立体定向放射治疗(射波刀)(第二次起)"])
def test_a_later_session_named_as_hospitals_name_it_passes(check, name):
    report = check(bill(line("24030001701", 5000, name=name, course_id="K", day="2021-09-05"),
                        history=[line("24030001700", 20000, course_id="K", day="2021-09-01")]))
    assert not of_rule(report, "NAME_MISMATCH")


def test_the_half_price_removal_named_as_a_removal_passes(check):
    assert not of_rule(check(bill(line("33070303801", 382, name="植入式给药装置取出术"))), "NAME_MISMATCH")


def test_another_name_on_a_code_the_tables_named_is_only_info(check):
    report = check(bill(line("33070303801", 382, name="输液港取出术")))
    [finding] = of_rule(report, "NAME_MISMATCH")
    assert finding.result.label == "info" and report.outcome == "pass"


def test_another_name_on_a_name_placed_by_judgement_is_only_info(check):
    # 人体固定垫设计与制作加收: where the fragment 加收 belongs is marked 存疑.
    [finding] = of_rule(check(bill(line("24050000600", 400, name="人体固定垫设计与制作"))), "NAME_MISMATCH")
    assert finding.result.label == "info"


@pytest.mark.parametrize(("code", "price", "name"), [("12160000100", 18, "导尿"), ("31070100100", 14, "常规心电图检查")])
def test_11_items_named_as_the_national_catalogue_names_them_pass(check, code, price, name):
    assert not of_rule(check(bill(line(code, price, name=name))), "NAME_MISMATCH")


def test_the_old_boundary_name_is_no_longer_the_items_name(check):
    [finding] = of_rule(check(bill(line("12160000100", 18, name="导尿常规"))), "NAME_MISMATCH")
    assert finding.result.label == "suspect" and "“导尿”" in finding.message
