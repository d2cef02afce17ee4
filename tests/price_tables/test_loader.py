"""The loader: the bundled notices load whole, and a broken file is refused with reasons."""

from decimal import Decimal

import pytest

from price_tables.loader import bundled_notices, check_table
from price_tables.models import NoticeMeta
from price_tables.source_text import DOC_11, DOC_12
from price_tables.table_file import TableFileError, read_table


@pytest.fixture(scope="module")
def notices():
    return {n.meta.document: n for n in bundled_notices()}


def test_all_28_coded_rows_of_11_load_and_the_8_incomplete_rows_are_reported(notices):
    notice = notices[DOC_11]
    assert len(notice.items) == 28
    assert [r.seq for r in notice.incomplete_rows] == [1, 2, 3, 4, 5, 6, 7, 8]
    assert all(set(r.missing) == {"项目编码", "项目名称"} for r in notice.incomplete_rows)
    assert notice.incomplete_rows[2].prices.grade_3b == Decimal("1818")


def test_incomplete_rows_are_never_billable_items(notices):
    codes = {i.code for i in notices[DOC_11].items}
    assert "" not in codes
    assert all(i.source.seq >= 9 for i in notices[DOC_11].items)


def test_all_77_rows_of_12_and_the_3_derived_codes_load(notices):
    notice = notices[DOC_12]
    printed = [i for i in notice.items if i.source.derived_from is None]
    derived = {i.code: i for i in notice.items if i.source.derived_from}
    assert len(printed) == 77
    assert set(derived) == {"24030001701", "24030001801", "33070303801"}
    assert derived["24030001701"].prices.grade_3a == Decimal("5000")
    assert derived["24030001801"].prices.grade_2_or_below == Decimal("4000")
    removal = derived["33070303801"].prices
    assert (removal.grade_3a, removal.grade_3b, removal.grade_2_or_below) == (Decimal("382"), Decimal("363.5"), Decimal("345.5"))
    assert "name" in derived["33070303801"].uncertain_fields


def test_the_hip_replacement_prices_per_grade(notices):
    hip = notices[DOC_11].item("33150700500")
    assert hip.name == "人工全髋关节置换术"
    prices = (hip.prices.grade_3a, hip.prices.grade_3b, hip.prices.grade_2_or_below)
    assert prices == (Decimal("4592"), Decimal("4234"), Decimal("3876"))
    assert hip.source.seq == 17


def test_a_merged_price_cell_applies_to_all_grades(notices):
    icu = notices[DOC_11].item("11110090100")
    assert icu.single_price
    assert icu.prices.grade_2_or_below == Decimal("369")


def test_self_priced_item_has_no_price_and_needs_consent(notices):
    robot = notices[DOC_12].item("NAA00000，T2")
    assert robot.self_priced and robot.prices.grade_3a is None
    assert [r.kind for r in robot.rules] == ["consent_required"]


def test_exempt_codes_get_no_child_markup_and_surgery_does(notices):
    n12 = notices[DOC_12]
    assert not n12.item("12040000202").child_markup.eligible   # listed exempt
    assert not n12.item("33140002300").child_markup.eligible   # listed exempt
    assert n12.item("33150900401").child_markup.eligible        # 33…, not exempt
    assert n12.item("31060501500").child_markup.eligible        # 31… biopsy
    assert not n12.item("31060400800").child_markup.eligible    # 31… oxygen therapy
    assert not n12.item("25040490700").child_markup.eligible    # 检验


def test_second_session_rules_carry_price_and_course_cap(notices):
    cyberknife = notices[DOC_12].item("24030001700")
    cap = cyberknife.rules_of("money_cap")[0]
    assert cap.max_amount == Decimal("40000") and cap.codes == ("24030001700", "24030001701")
    assert cyberknife.rules_of("frequency_cap")[0].max_count == 1
    sbrt_cap = notices[DOC_12].item("24030001800").rules_of("money_cap")[0]
    assert sbrt_cap.max_amount == Decimal("33000")


META = NoticeMeta(document="测试〔2026〕1号", title="t", issuer=("x",), signed_on="2026-01-01",
                  effective_from="2026-02-01", scope="s")


def _check(csv_text: str, encoding="utf-8"):
    return check_table(read_table(csv_text.encode(encoding), "upload.csv"), META)


HEADER = "项目编码,项目名称,计价单位,三甲,三乙,二级及以下,备注\n"


def test_a_good_upload_loads():
    result = _check(HEADER + "33150700500,人工全髋关节置换术,次,4700,4300,3900,\n")
    assert result.ok and result.notice.items[0].prices.grade_3a == Decimal("4700")


def test_gb18030_csv_is_read():
    result = _check(HEADER + "33150700500,人工全髋关节置换术,次,4700,4300,3900,\n", "gb18030")
    assert result.ok and result.notice.items[0].name == "人工全髋关节置换术"


def test_a_duplicate_code_is_refused_naming_both_rows():
    result = _check(HEADER + "33150700500,甲,次,10,9,8,\n33150700500,乙,次,10,9,8,\n")
    assert result.notice is None
    [error] = result.errors
    assert error.row == 3 and error.column == "项目编码" and "第2行" in error.message


def test_a_price_that_is_not_a_number_is_refused_with_row_column_and_value():
    [error] = _check(HEADER + "33150700500,甲,次,abc,9,8,\n").errors
    assert (error.row, error.column, error.value) == (2, "三甲", "abc")


def test_grades_out_of_order_are_refused():
    [error] = _check(HEADER + "33150700500,甲,次,8,9,10,\n").errors
    assert "三甲 ≥ 三乙 ≥ 二级及以下" in error.message


def test_only_the_3a_price_is_refused_never_guessed():
    [error] = _check(HEADER + "33150700500,甲,次,10,,,\n").errors
    assert "三乙" in error.message and "不推测" in error.message


def test_an_unknown_unit_is_refused():
    [error] = _check(HEADER + "33150700500,甲,台,10,9,8,\n").errors
    assert (error.column, error.value) == ("计价单位", "台")


def test_a_missing_column_makes_the_file_unreadable_with_the_reason():
    with pytest.raises(TableFileError, match="项目名称"):
        read_table("项目编码,计价单位,价格\n1,次,5\n".encode(), "bad.csv")


def test_bytes_that_are_no_text_are_refused():
    with pytest.raises(TableFileError, match="编码"):
        read_table(b"\xff\xfe\x00\x81\x00\xff" * 50, "bad.csv")


def test_a_remark_the_loader_cannot_read_is_a_warning_not_dropped():
    result = _check(HEADER + "33150700500,甲,次,10,9,8,请与临床科室协商\n")
    assert result.ok
    [warning] = result.warnings
    assert warning.column == "备注" and warning.value == "请与临床科室协商"


def test_a_copied_item_answers_for_its_own_rules_not_the_originals(notices):
    item = notices[DOC_12].item("31060200800")
    assert item.rules_of("frequency_cap")   # the index is built on the original
    copy = item.model_copy(update={"rules": ()})
    assert copy.rules_of("frequency_cap") == () and copy.rule_kinds == ()


def test_derived_codes_get_an_honest_name_and_the_names_hospitals_use(notices):
    n12 = notices[DOC_12]
    later = n12.item("24030001701")
    assert later.name == "X线立体定向放射治疗（射波刀，第二次起）" and "首次" not in later.name
    assert later.rules_of("name_alias")[0].names == ("X线立体定向放射治疗（射波刀）", "X线立体定向放射治疗（射波刀）（第二次起）")
    assert n12.item("24030001801").name == "体部立体定向放疗（SBRT，第二次起）"
    removal = n12.item("33070303801")
    assert removal.name == "植入式给药装置置入术（取出术减半收费）"
    assert removal.rules_of("name_alias")[0].names == ("植入式给药装置取出术",)
    assert all("name" in n12.item(c).uncertain_fields for c in ("24030001701", "24030001801", "33070303801"))


def test_the_materials_recorded_per_item_are_what_the_connotation_says_unless_marked(notices):
    """内涵耗材 holds the words the matching uses; each is read from the item's 内涵, and every
    correction a person made is marked 存疑 with its reason."""
    from price_tables.remark_parser import materials_in

    recorded = 0
    for notice in notices.values():
        for item in notice.items:
            if item.source.derived_from:
                continue
            words = tuple(w for r in item.rules_of("included_materials") for w in r.materials)
            recorded += bool(words)
            if "included_materials" not in item.uncertain_fields:
                assert words == materials_in(item.connotation), item.code
    assert recorded == 7


def test_an_upload_without_the_materials_column_reads_them_from_the_connotation():
    result = _check("项目编码,项目名称,项目内涵,除外内容,计价单位,价格\n12160000100,导尿,含石蜡油、尿管等材料,气囊导尿管,次,18\n")
    [rule] = result.notice.items[0].rules_of("included_materials")
    assert rule.materials == ("石蜡油", "尿管") and rule.exclusions == ("气囊导尿管",)


@pytest.mark.parametrize(("cell", "words"), [("尿管、导尿包", ("尿管", "导尿包")), ("", ())])
def test_pricing_staff_correct_the_materials_in_their_column(cell, words):
    result = _check(f"项目编码,项目名称,项目内涵,内涵耗材,计价单位,价格\n12160000100,导尿,含石蜡油、尿管等材料,{cell},次,18\n")
    assert tuple(w for r in result.notice.items[0].rules_of("included_materials") for w in r.materials) == words


def test_the_materials_column_goes_out_with_an_export(notices):
    from price_tables.export import item_row

    assert item_row(notices[DOC_11].item("12160000100"))["内涵耗材"] == "石蜡油、注射器、尿管、引流袋、导尿包"
