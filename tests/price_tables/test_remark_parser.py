"""Each rule of the vocabulary, read from the sentence in the notice that states it."""

from decimal import Decimal

import pytest

from price_tables.grades import Grade
from price_tables.loader import bundled_notices
from price_tables.remark_parser import ItemText, read_rules


@pytest.fixture(scope="module")
def item():
    by_code = {i.code: i for n in bundled_notices() for i in n.items}
    return by_code.__getitem__


def _caps(item, per):
    return [r.max_count for r in item.rules_of("frequency_cap") if r.per == per]


def test_venous_thrombosis_assessment_at_most_twice_per_admission(item):
    assert _caps(item("11020090300"), "admission") == [2]


def test_end_tidal_co2_at_most_twice_a_day(item):
    assert _caps(item("31060200800"), "day") == [2]


def test_mri_simulation_changes_at_most_twice_per_course(item):
    assert _caps(item("24020000401"), "course") == [2]


def test_shock_wave_at_most_five_per_course(item):
    assert _caps(item("34010002800"), "course") == [5]


def test_herbal_poultice_two_sites_a_week_and_eight_weeks_per_site(item):
    poultice = item("41000001300")
    assert _caps(poultice, "week") == [2]
    assert _caps(poultice, "site") == [8]


def test_lymphocyte_subsets_at_most_five_antigens_per_line(item):
    assert _caps(item("25040103600"), "line") == [5]


def test_a_unit_of_a_course_is_charged_once_per_course(item):
    for code in ("24020000400", "24050000600"):   # 磁共振模拟机定位, 人体固定垫设计与制作加收: 疗程
        [cap] = item(code).rules_of("frequency_cap")
        assert (cap.per, cap.max_count, cap.source_field) == ("course", 1, "计价单位")


def test_a_per_month_unit_is_charged_once_a_calendar_month(item):
    [cap] = item("31100000205").rules_of("frequency_cap")   # 家庭腹膜透析治疗管理: 次/月
    assert (cap.per, cap.max_count, cap.basis) == ("month", 1, "计价单位：次/月")


def test_a_remark_counting_per_course_governs_over_the_unit(item):
    # 磁共振模拟机定位（修改）: unit 疗程, but 同一疗程修改次数不超过2次
    assert _caps(item("24020000401"), "course") == [2]


@pytest.mark.parametrize(("unit", "per"), [("周", "week"), ("月", "month"), ("次", None)])
def test_week_and_month_units_are_limits_too(unit, per):
    rules, _ = read_rules(ItemText(code="1", name="甲", connotation="", unit=unit, remarks=""))
    assert [r.per for r in rules if r.kind == "frequency_cap"] == ([per] if per else [])


@pytest.mark.parametrize(("code", "hours", "basis"), [
    ("31060401000", "2", "持续俯卧位时间≥2小时"),           # 俯卧位通气治疗
    ("31080002600", "1", "整个操作过程需1-1.5小时"),        # 手法淋巴引流综合消肿治疗: the lower bound
    ("31090200202", "24", "连续观测24小时"),               # 24小时pH+阻抗监测
    ("33140002000", "2", "产后严密观察2小时"),              # 剖宫产术后再次妊娠阴道分娩
    ("43000002900", str(Decimal(25) / 60), "留置25分钟及以上"),  # 脐针疗法
])
def test_a_minimum_duration_in_the_connotation_is_a_limit(item, code, hours, basis):
    [minimum] = item(code).rules_of("minimum_duration")
    assert (minimum.min_hours, minimum.basis, minimum.source_field) == (Decimal(hours), basis, "项目内涵")


def test_steps_inside_a_procedure_are_not_its_duration(item):
    # 微型皮片扩展移植术: 浸湿30s, 静置3～5分钟 are steps, not how long the service lasts.
    assert not item("33160304900").rules_of("minimum_duration")


def test_hourly_items_are_capped_by_the_hours_given(item):
    assert _caps(item("31060400700"), "hour") == [1]
    assert _caps(item("31060400700"), "day") == [24]


def test_capillary_sampling_is_for_children_6_and_under(item):
    [limit] = item("12040000202").rules_of("age_limit")
    assert limit.max_age == 6 and limit.source_field == "项目内涵"


def test_lung_nodule_reconstruction_only_in_tertiary_hospitals(item):
    [limit] = item("21030000402").rules_of("grade_limit")
    assert set(limit.allowed) == {Grade.GRADE_3A, Grade.GRADE_3B}
    assert item("21030000402").rules_of("documented_limit")[0].category == "qualification"


def test_robot_navigation_and_intraoperative_mri_exclude_each_other_by_code_and_name(item):
    [rule] = item("33020090200").rules_of("mutually_exclusive")
    assert "33020090300" in rule.codes
    assert "术中应用神经导航系统加收" in rule.names


def test_trauma_team_over_4_hours_is_1500(item):
    [tier] = item("12020000300").rules_of("duration_price")
    assert (tier.over_hours, tier.price) == (Decimal("4"), Decimal("1500"))


def test_ultrasonic_scalpel_head_at_purchase_price_up_to_2500(item):
    [cap] = item("33000000012").rules_of("consumable_cap")
    assert cap.consumable == "一次性超声刀头" and cap.max_amount == Decimal("2500")


def test_removal_of_the_port_is_half_price_under_its_own_code(item):
    [rule] = item("33070303800").rules_of("reduced_price")
    assert (rule.derived_code, rule.factor) == ("33070303801", Decimal("0.5"))


def test_add_on_names_its_base(item):
    assert item("31060501501").rules_of("add_on")[0].base_codes == ("31060501500",)
    assert item("22060000702").rules_of("add_on")[0].base_names == ("介入治疗的超声心动图监视",)


def test_obstetric_items_are_for_women(item):
    assert item("33140002000").rules_of("sex_limit")[0].sex == "F"


def test_every_rule_keeps_its_source_sentence_and_reads_as_chinese(item):
    for code in ("24030001700", "41000001300", "31060401000", "12020000300"):
        for rule in item(code).rules:
            assert rule.basis
            assert rule.describe()


def test_an_unknown_sentence_comes_back_unread():
    rules, unread = read_rules(ItemText(code="1", name="甲", connotation="", unit="次",
                                        remarks="每天不超过3次。请提前预约"))
    assert [r.max_count for r in rules] == [3]
    assert unread == ["请提前预约"]


@pytest.mark.parametrize(("code", "low", "high"), [
    ("21030000502", "1.5", None), ("22020100902", "1.5", None), ("22020200302", "1.5", None),
    ("22060000302", "1.5", None), ("22060000305", "1.5", None),
    ("22060000702", "1.5", "2"),    # (1.5小时) ends where its sibling (≥2小时) starts
    ("22060000703", "2", None)])
def test_a_duration_in_the_name_is_a_tier(item, code, low, high):
    [tier] = item(code).rules_of("duration_tier")
    assert tier.min_hours == Decimal(low) and tier.max_hours == (Decimal(high) if high else None)
    assert tier.source_field == "项目名称"


def test_sibling_tiers_know_each_other_and_exclude_each_other_per_session(item):
    assert item("22060000702").rules_of("duration_tier")[0].siblings == ("22060000703",)
    [rule] = [r for r in item("22060000703").rules_of("mutually_exclusive") if r.per == "session"]
    assert rule.codes == ("22060000702",)


def test_the_same_tier_of_two_services_under_one_core_code_are_not_siblings(item):
    # 床旁超声心动图 and 术中超声心动图 share 220600003 and the tier (1.5小时及以上): two services.
    assert item("22060000302").rules_of("duration_tier")[0].siblings == ()


@pytest.mark.parametrize(("name", "low", "high"), [
    ("甲（2小时以内）", None, "2"), ("甲(≥2小时)", "2", None), ("甲（30分钟及以上）", "0.5", None),
    ("甲（≥三个部位）", None, None)])
def test_tier_wordings(name, low, high):
    from price_tables.remark_parser import duration_tier_in

    tier = duration_tier_in(name)
    if low is None and high is None:
        assert tier is None
    else:
        assert tier.min_hours == (Decimal(low) if low else None) and tier.max_hours == (Decimal(high) if high else None)
