"""Codes the hospital uses (对码), the grade the registry gives, what the bill cannot say."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from price_tables.grades import Grade
from tests.validators.builders import bill, bill_data, line
from tests.validators.conftest import of_rule
from validators import validate
from validators.bill import Bill
from validators.reference import CodeMap, GradePeriod, Hospital, ReferenceData

HIP = "33150700500"  # 人工全髋关节置换术 三甲4592 三乙4234 二级及以下3876
REGISTRY = ReferenceData.of(
    [Hospital("H001", "衢州市人民医院", grades=(GradePeriod(Grade.GRADE_3A, dt.date(2020, 1, 1), dt.date(2021, 12, 31)),
                                               GradePeriod(Grade.GRADE_3B, dt.date(2022, 1, 1))))],
    [CodeMap(1, "H001", dt.date(2021, 1, 1), 1, by_hilist_code={"001315070050000": HIP}, by_hosplist_code={"HX-HIP": HIP}),
     CodeMap(2, None, dt.date(2021, 1, 1), 2, by_hosplist_code={"PROV-HIP": HIP})])


def with_hospital(data: dict, code: str | None = "H001", grade: str | None = None) -> Bill:
    data["hospital"] = {k: v for k, v in (("fixmedins_code", code), ("grade", grade)) if v is not None}
    return Bill.model_validate(data)


def local(price, code: str | None = None, **fields) -> dict:
    """A line for the hip replacement, carrying only the hospital's codes (and `code` if given)."""
    data = line(HIP, price, **fields)
    if code is None:
        del data["code"]
    else:
        data["code"] = code
    return data


@pytest.mark.parametrize("codes", [{"hilist_code": "001315070050000"}, {"hosplist_code": "HX-HIP"},
                                   {"hosplist_code": "PROV-HIP"}, {"code": "HX-HIP"}])
def test_a_hospitals_own_code_is_judged_as_the_item_its_code_map_names(catalog, codes):
    report = validate(with_hospital(bill_data(local(4700, name="髋关节置换（本院）", **codes))), catalog, REGISTRY)
    [over] = of_rule(report, "PRICE_ABOVE_STANDARD")
    assert over.expected == Decimal("4592.00") and "33150700500" in over.message
    assert not of_rule(report, "NAME_MISMATCH") and not of_rule(report, "CODE_UNMAPPED")


def test_another_hospitals_map_does_not_apply(catalog):
    report = validate(with_hospital(bill_data(local(4592, hosplist_code="HX-HIP")), code="H999", grade="三甲"),
                      catalog, REGISTRY)
    [unmapped] = of_rule(report, "CODE_UNMAPPED")
    assert "HX-HIP" in unmapped.message and report.outcome == "suspect" and unmapped.amount_at_risk == 0


def test_a_map_applies_only_from_its_start_date(catalog):
    later = ReferenceData.of([], [CodeMap(3, None, dt.date(2022, 1, 1), 1, by_hosplist_code={"LATE": HIP})])
    report = validate(bill(local(4592, hosplist_code="LATE")), catalog, later)
    assert [f.rule for f in report.findings] == ["CODE_UNMAPPED"]


def test_an_unpriced_provincial_code_is_info_but_any_other_unknown_code_is_never_a_pass(check):
    provincial = check(bill(line("33150799999", 100)))
    assert [(f.rule, f.result.label) for f in provincial.findings] == [("ITEM_NOT_COVERED", "info")]
    for code in ("HX001", "001315070050000", "3315070050", "ABC-1"):
        report = check(bill(line(code, 100)))
        assert [f.rule for f in report.findings] == ["CODE_UNMAPPED"] and report.outcome == "suspect", code


def test_materials_and_drugs_with_their_own_codes_are_neither_unmapped_nor_uncovered(check):
    report = check(bill(line(HIP, 4592), line("C-0001", 30, category="material", line_id="m"),
                        line("XA11DAW036", 2, category="drug", line_id="d")))
    assert report.outcome == "pass"


def test_the_registry_grade_is_used_and_a_different_grade_on_the_bill_is_a_finding(catalog):
    report = validate(with_hospital(bill_data(line(HIP, 4500, day="2022-03-01"),
                                              encounter={"type": "outpatient"}), grade="三甲"), catalog, REGISTRY)
    [conflict] = of_rule(report, "HOSPITAL_GRADE_CONFLICT")
    assert "三甲" in conflict.message and "三乙" in conflict.message
    [over] = of_rule(report, "PRICE_ABOVE_STANDARD")
    assert over.expected == Decimal("4234.00")  # the registry's 三乙 on 2022-03-01


def test_the_registry_grade_of_the_day_applies(catalog):
    report = validate(with_hospital(bill_data(line(HIP, 4500), encounter={"type": "outpatient"})), catalog, REGISTRY)
    assert not report.findings  # 三甲 in 2021: 4500 is within 4592


def test_with_no_grade_anywhere_prices_are_checked_at_the_highest_and_the_answer_says_so(catalog):
    no_grade = with_hospital(bill_data(line(HIP, 4600), line("31060200800", 10, line_id="2")), code=None)
    report = validate(no_grade, catalog)
    [unknown] = of_rule(report, "HOSPITAL_GRADE_UNKNOWN")
    assert unknown.line_ids == (f"{HIP}-2021-09-03-4600",) and report.outcome == "violation"
    [over] = of_rule(report, "PRICE_ABOVE_STANDARD")
    assert over.expected == Decimal("4592.00") and "医院等级未知" in over.message
    within = validate(with_hospital(bill_data(line(HIP, 4000)), code=None), catalog)
    assert [f.rule for f in within.findings] == ["HOSPITAL_GRADE_UNKNOWN"] and within.outcome == "suspect"


def test_a_tertiary_only_item_with_an_unknown_grade_is_suspect_not_passed(catalog):
    report = validate(with_hospital(bill_data(line("21030000402", 450)), code=None), catalog)
    [limit] = of_rule(report, "GRADE_RESTRICTED")
    assert limit.result.label == "suspect"


def test_an_unknown_sex_skips_sex_checks_with_an_info_finding(check):
    data = bill_data(line("31120100101", 6))  # 妇科常规检查: for women only
    data["patient"] = {"birth_date": "1990-01-01", "sex": "9"}
    report = check(Bill.model_validate(data))
    assert [(f.rule, f.result.label) for f in report.findings] == [("SEX_RESTRICTED", "info")]
    del data["patient"]["sex"]
    assert check(Bill.model_validate(data)).outcome == "pass"
