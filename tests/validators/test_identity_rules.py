"""NAME_MISMATCH, UNIT_MISMATCH."""

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
