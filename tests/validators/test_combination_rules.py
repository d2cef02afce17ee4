"""MUTUALLY_EXCLUSIVE, DUPLICATE_CHARGE, ADDON_WITHOUT_BASE."""

from decimal import Decimal

import pytest

from tests.validators.builders import bill, line
from tests.validators.conftest import of_rule


def test_robot_navigation_and_intraoperative_mri_are_exclusive_reported_once(check):
    report = check(bill(line("33020090200", 1950, line_id="robot"), line("33020090300", 5000, line_id="mri")))
    [finding] = of_rule(report, "MUTUALLY_EXCLUSIVE")
    assert set(finding.line_ids) == {"robot", "mri"}
    assert finding.amount_at_risk == Decimal("1950.00")   # the cheaper of the two is at risk at least
    assert finding.national_rule == "GZ10000102012000"


def test_high_flow_oxygen_excludes_ventilator_named_outside_the_tables(check):
    report = check(bill(line("31060400800", "13.5", line_id="o2"),
                        line("31060500101", 100, line_id="vent", name="呼吸机辅助呼吸")))
    [finding] = of_rule(report, "MUTUALLY_EXCLUSIVE")
    assert "呼吸机辅助呼吸" in finding.message


def test_exclusion_is_per_day(check):
    report = check(bill(line("31060400800", "13.5", line_id="o2"),
                        line("31060500101", 100, line_id="vent", name="呼吸机辅助呼吸", day="2021-09-04")))
    assert not of_rule(report, "MUTUALLY_EXCLUSIVE")


def test_icu_day_already_includes_general_checks_and_treatments(check):
    report = check(bill(line("11110090100", 369, line_id="icu"), line("12160000100", 18, line_id="cath")))
    [finding] = of_rule(report, "DUPLICATE_CHARGE")
    assert finding.line_ids == ("cath", "icu") and finding.amount_at_risk == Decimal("18.00")


def test_icu_day_charged_twice_the_same_day(check):
    report = check(bill(line("11110090100", 369, line_id="a"), line("11110090100", 369, line_id="b")))
    [finding] = of_rule(report, "DUPLICATE_CHARGE")
    assert finding.line_ids == ("b",)


def test_enhanced_ct_includes_the_plain_scan(check):
    report = check(bill(line("21030000202", 203, line_id="enh"), line("21030000102", 146, line_id="plain")))
    [finding] = of_rule(report, "DUPLICATE_CHARGE")
    assert finding.amount_at_risk == Decimal("146.00")


def test_a_line_resent_from_history_is_a_duplicate(check):
    report = check(bill(line("33150700500", 4592, line_id="L1"), history=[line("33150700500", 4592, line_id="L1")]))
    assert of_rule(report, "DUPLICATE_CHARGE")


def test_small_bowel_exam_beside_treatment_is_suspect_unless_both_routes(check):
    report = check(bill(line("31090300403", 6100, line_id="tx"), line("31090300100", 800, line_id="ex", name="小肠镜检查")))
    [finding] = of_rule(report, "DUPLICATE_CHARGE")
    assert finding.result.label == "suspect" and "经口和经肛" in finding.message


def test_tunnel_add_on_needs_the_navigation_biopsy(check):
    [finding] = of_rule(check(bill(line("31060501501", 830))), "ADDON_WITHOUT_BASE")
    assert "31060501500" in finding.message and finding.amount_at_risk == 830
    assert not of_rule(check(bill(line("31060501501", 830, line_id="a"), line("31060501500", 1350, line_id="b"))),
                       "ADDON_WITHOUT_BASE")


def test_add_on_base_named_outside_the_tables(check):
    report = check(bill(line("22060000702", 52, line_id="a"),
                        line("22060000700", 200, line_id="b", name="介入治疗的超声心动图监视")))
    assert not of_rule(report, "ADDON_WITHOUT_BASE")


def test_add_on_beside_an_unnamed_unknown_code_is_only_suspect(check):
    [finding] = of_rule(check(bill(line("22060000702", 52, line_id="a"), line("22060000700", 200, line_id="b"))),
                        "ADDON_WITHOUT_BASE")
    assert finding.result.label == "suspect"


def test_second_session_code_needs_the_first_session_in_its_course(check):
    assert of_rule(check(bill(line("24030001701", 5000, course_id="K"))), "ADDON_WITHOUT_BASE")
    report = check(bill(line("24030001701", 5000, course_id="K", day="2021-09-05"),
                        history=[line("24030001700", 20000, course_id="K", day="2021-09-01")]))
    assert not of_rule(report, "ADDON_WITHOUT_BASE")


def test_the_same_surgery_twice_on_one_day_is_a_suspect_duplicate(check):
    report = check(bill(line("33150700500", 4592, line_id="a"), line("33150700500", 4592, line_id="b")))
    [finding] = of_rule(report, "DUPLICATE_CHARGE")
    assert finding.result.label == "suspect" and finding.line_ids == ("b", "a")
    assert finding.amount_at_risk == Decimal("4592.00") and "session_id" in finding.message
    assert report.at_risk == Decimal("4592.00")


@pytest.mark.parametrize("apart", [
    {"a": {"session_id": "1"}, "b": {"session_id": "2"}},
    {"a": {"body_site": "左髋"}, "b": {"body_site": "右髋"}},
    {"a": {"course_id": "K1"}, "b": {"course_id": "K2"}},
    {"a": {}, "b": {"quantity": 2}},
])
def test_two_lines_told_apart_are_two_services(check, apart):
    report = check(bill(line("33150700500", 4592, line_id="a", **apart["a"]),
                        line("33150700500", 4592, line_id="b", **apart["b"])))
    assert not of_rule(report, "DUPLICATE_CHARGE")


def test_a_line_sent_again_under_a_new_id_after_history_is_suspect(check):
    report = check(bill(line("33150700500", 4592, line_id="new"), history=[line("33150700500", 4592, line_id="old")]))
    [finding] = of_rule(report, "DUPLICATE_CHARGE")
    assert finding.line_ids == ("new",) and finding.result.label == "suspect"


def test_a_second_course_priced_item_the_same_day_is_a_violation(check):
    # 人体固定垫设计与制作加收 is priced per 疗程: a second one the same day cannot be right.
    report = check(bill(line("24050000600", 400, line_id="a", course_id="R"),
                        line("24050000600", 400, line_id="b", course_id="R")))
    [finding] = of_rule(report, "DUPLICATE_CHARGE")
    assert finding.result.label == "violation" and finding.basis.text == "计价单位：疗程"


def test_items_the_notice_allows_twice_a_day_may_repeat(check):
    report = check(bill(line("31060200800", 10, line_id="a"), line("31060200800", 10, line_id="b")))
    assert not of_rule(report, "DUPLICATE_CHARGE") and not of_rule(report, "FREQUENCY_EXCEEDED")


def test_an_add_on_whose_base_was_only_guessed_from_its_name_is_at_most_suspect(check):
    # 介入治疗的超声心动图监视加收: the base has no code in any table, only the name before 加收.
    [finding] = of_rule(check(bill(line("22060000703", 69, duration_hours="2"))), "ADDON_WITHOUT_BASE")
    assert finding.result.label == "suspect" and "仅据项目名称推定" in finding.message


def test_an_add_on_whose_base_the_connotation_names_is_still_a_violation_alone(check):
    # 诊疗中使用共聚焦微探头检测加收: 内涵 通过气管镜置入共聚焦探头.
    [finding] = of_rule(check(bill(line("31060501400", 1200))), "ADDON_WITHOUT_BASE")
    assert finding.result.label == "violation"
    report = check(bill(line("31060501400", 1200, line_id="a"), line("31060500201", 300, line_id="b", name="电子支气管镜检查")))
    assert not of_rule(report, "ADDON_WITHOUT_BASE")


def material(code, price, name, day="2021-09-03", line_id=None, category="material", **extra):
    return line(code, price, day=day, line_id=line_id or f"m-{name}", name=name, category=category, **extra)


def test_a_catheter_billed_beside_catheterisation_is_a_material_charged_twice(check):
    report = check(bill(line("12160000100", 18, line_id="cath"), material("C0101", 12, "一次性导尿管", material_code="C0101")))
    [finding] = of_rule(report, "DUPLICATE_CHARGE")
    assert finding.result.label == "suspect" and finding.line_ids == ("m-一次性导尿管", "cath")
    assert finding.amount_at_risk == Decimal("12.00") and finding.national_rule == "GZ10000102012000"
    assert finding.basis.text == "含石蜡油、注射器、尿管、引流袋等材料" and "尿管" in finding.message


def test_the_balloon_catheter_its_exclusions_allow_is_billed_properly(check):
    report = check(bill(line("12160000100", 18, line_id="cath"), material("C0102", 35, "双腔气囊导尿管")))
    assert report.outcome == "pass" and report.findings == ()


def test_a_bill_with_its_materials_properly_billed_stays_pass(check):
    # ICU单元治疗 excludes 气管插管; a drug no 内涵 names; materials are never ITEM_NOT_COVERED.
    report = check(bill(line("11110090100", 369, line_id="icu"), material("C0201", 80, "一次性气管插管"),
                        material("X0001", 5, "0.9%氯化钠注射液", category="drug")))
    assert report.outcome == "pass" and report.findings == ()


def test_a_material_the_connotation_includes_on_another_day_passes(check):
    report = check(bill(line("12160000100", 18, line_id="cath"), material("C0101", 12, "一次性导尿管", day="2021-09-04")))
    assert not of_rule(report, "DUPLICATE_CHARGE")


def test_oxygen_billed_as_a_drug_beside_high_flow_oxygen_therapy_is_suspect(check):
    report = check(bill(line("31060400800", "13.5", line_id="o2"), material("Y0001", 3, "医用氧气", category="drug")))
    [finding] = of_rule(report, "DUPLICATE_CHARGE")
    assert finding.basis.text == "含氧气、湿化用水"


def test_a_material_line_is_not_judged_as_a_service_even_under_a_service_code(check):
    report = check(bill(material("33150700500", 99999, "髋关节假体")))
    assert report.findings == () and report.outcome == "pass"


def test_a_material_line_does_not_stand_in_for_the_base_service(check):
    report = check(bill(line("31060501400", 1200, line_id="probe"), material("C0301", 500, "一次性支气管镜活检钳")))
    assert of_rule(report, "ADDON_WITHOUT_BASE")


def test_3101_list_and_charge_types_say_which_lines_are_materials():
    from validators.bill import BillLine

    def category(**national):
        return BillLine.model_validate({"line_id": "1", "code": "C1", "service_date": "2021-09-03", "quantity": "1",
                                        "unit_price": "1", **national}).category
    assert category(hilist_type="301") == "material" and category(hilist_type="101") == "drug"
    assert category(chrg_type="08") == "material" and category(hilist_type="201") == "service"
    assert category() is None and category(hilist_type="105") is None


@pytest.mark.parametrize("code", ["32050000701", "32050001100", "32050001500"])
def test_coronary_procedures_already_include_the_angiography(check, code):
    report = check(bill(line(code, 3254, line_id="pci"), line("32050000100", 1200, line_id="cag", name="冠状动脉造影术")))
    [finding] = of_rule(report, "DUPLICATE_CHARGE")
    assert finding.line_ids == ("cag", "pci") and finding.amount_at_risk == Decimal("1200.00")
    assert not of_rule(check(bill(line(code, 3254, line_id="pci"),
                                  line("32050000100", 1200, line_id="cag", day="2021-09-02"))), "DUPLICATE_CHARGE")
