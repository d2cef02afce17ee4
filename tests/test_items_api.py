"""Look-up API for auditors, on SQLite and PostgreSQL."""

import pytest


def get(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.text
    return response.json()


def test_hip_replacement_price_for_a_3b_hospital_on_a_date(shared_client):
    item = get(shared_client, "/v1/items/33150700500?as_of=2021-09-03&grade=三乙")
    assert item["name"] == "人工全髋关节置换术"
    assert item["prices"] == {"grade_3a": "4592.00", "grade_3b": "4234.00", "grade_2_or_below": "3876.00"}
    assert item["price"] == "4234.00"
    assert item["source"]["document"] == "衢医保联发〔2021〕11号" and item["source"]["seq"] == 17
    assert item["effective_from"] == "2021-09-01" and item["effective_to"] is None


def test_child_prices_follow_the_rounding_rule(shared_client):
    item = get(shared_client, "/v1/items/33150700500?grade=grade_3a")
    assert item["child_markup"] is True
    assert item["child_prices"]["grade_3a"] == "5970.00"   # 4592 × 1.3 = 5969.6 → 5970
    small = get(shared_client, "/v1/items/12040001500")   # 50 × 1.3 = 65
    assert small["child_prices"]["grade_3a"] == "65.00"


def test_exempt_item_has_adult_child_price_and_says_why(shared_client):
    item = get(shared_client, "/v1/items/12040000202")
    assert item["child_markup"] is False
    assert item["child_prices"] == item["prices"]
    assert "不加收" in item["child_markup_basis"]


def test_item_shows_rules_in_chinese_with_their_source_sentence(shared_client):
    item = get(shared_client, "/v1/items/31060200800")
    [cap] = [r for r in item["rules"] if r["kind"] == "frequency_cap"]
    assert cap["params"] == {"per": "day", "max_count": 2}
    assert cap["basis"] == "每天不超过2次"
    assert cap["description"] == "每日最多收费2次"


def test_uncertain_fields_are_shown_with_the_reason(shared_client):
    item = get(shared_client, "/v1/items/33080200300")
    [field] = item["uncertain_fields"]
    assert field["field"] == "connotation" and "第13–15行" in field["reason"]


def test_self_priced_item_has_null_prices(shared_client):
    item = get(shared_client, "/v1/items/NAA00000，T2")
    assert item["self_priced"] is True
    assert item["prices"] == {"grade_3a": None, "grade_3b": None, "grade_2_or_below": None}


def test_trial_price_ends_on_2023_08_31(shared_client):
    assert get(shared_client, "/v1/items/24030001700?as_of=2023-08-31")["prices"]["grade_3a"] == "20000.00"
    body = get(shared_client, "/v1/items/24030001700?as_of=2023-09-01", 404)
    assert "2023-09-01" in body["message"] and "2023-08-31" in body["message"]


def test_nothing_is_in_effect_before_2021_09_01(shared_client):
    body = get(shared_client, "/v1/items/33150700500?as_of=2021-08-31", 404)
    assert "没有生效的价格" in body["message"]


def test_unknown_code_is_404_with_a_message(shared_client):
    body = get(shared_client, "/v1/items/99999999999", 404)
    assert "99999999999" in body["message"]


def test_derived_second_session_code_is_billable(shared_client):
    item = get(shared_client, "/v1/items/24030001701?as_of=2022-01-01")
    assert item["prices"]["grade_3a"] == "5000.00"
    assert item["source"]["derived_from"] == "24030001700"


@pytest.mark.parametrize(("q", "code"), [
    ("3315", "33150700500"),           # code prefix
    ("全髋", "33150700500"),            # name substring
    ("gmxg", "32050000701"),           # pinyin initials: 冠脉血管内压力导丝测定术
    ("GMXG", "32050000701"),
    ("guanmai", "32050000701"),        # full pinyin
])
def test_search_finds_by_code_name_and_pinyin(shared_client, q, code):
    codes = [i["code"] for i in get(shared_client, f"/v1/items?q={q}")["items"]]
    assert code in codes


def test_search_dq_finds_the_bypass_operations(shared_client):
    codes = {i["code"] for i in get(shared_client, "/v1/items?q=dq&limit=100")["items"]}
    assert {"33080200300", "33080200600"} <= codes


def test_search_with_a_date_hides_items_not_in_effect(shared_client):
    on_2024 = get(shared_client, "/v1/items?q=24030001700&as_of=2024-01-01")
    assert on_2024["total"] == 0
    on_2022 = get(shared_client, "/v1/items?q=24030001700&as_of=2022-01-01")
    assert on_2022["total"] == 1


def test_search_by_document_and_pagination(shared_client):
    page = get(shared_client, "/v1/items?document=衢医保联发〔2021〕11号&limit=10&offset=20")
    assert page["total"] == 28 and len(page["items"]) == 8
    assert all(i["source"]["document"] == "衢医保联发〔2021〕11号" for i in page["items"])


def test_search_with_grade_gives_that_grades_price(shared_client):
    [item] = get(shared_client, "/v1/items?q=33150700500&grade=grade_2_or_below")["items"]
    assert item["price"] == "3876.00" and item["child_price"] == "5039.00"


@pytest.mark.parametrize(("url", "field"), [
    ("/v1/items?grade=四甲", "grade"),
    ("/v1/items/33150700500?grade=grade_4", "grade"),
    ("/v1/items/33150700500?as_of=2021-02-30", "as_of"),
    ("/v1/items?as_of=yesterday", "as_of"),
    ("/v1/items?limit=101", "limit"),
    ("/v1/items?offset=-1", "offset"),
])
def test_bad_parameters_are_422_naming_the_field(shared_client, url, field):
    body = get(shared_client, url, 422)
    assert body["error"] == "invalid_request"
    assert [f["field"] for f in body["fields"]] == [field]
    assert body["fields"][0]["reason"]


def test_price_history_lists_each_notice(shared_client):
    [entry] = get(shared_client, "/v1/items/33150700500/history")
    assert entry["document"] == "衢医保联发〔2021〕11号"


def test_notices_list_metadata_and_counts(shared_client):
    notices = get(shared_client, "/v1/notices")["notices"]
    by_doc = {n["document"]: n for n in notices}
    n11, n12 = by_doc["衢医保联发〔2021〕11号"], by_doc["衢医保联发〔2021〕12号"]
    assert (n11["item_count"], n11["incomplete_row_count"]) == (28, 8)
    assert (n12["item_count"], n12["effective_to"]) == (80, "2023-08-31")
    assert n11["signed_on"] == "2021-07-23" and n11["scope"] == "县级以上公立医院（含衢化医院）"


def test_notice_detail_reports_incomplete_rows_without_codes(shared_client):
    notices = get(shared_client, "/v1/notices")["notices"]
    n11 = next(n for n in notices if n["document"] == "衢医保联发〔2021〕11号")
    detail = get(shared_client, f"/v1/notices/{n11['id']}")
    rows = detail["incomplete_rows"]
    assert [r["seq"] for r in rows] == list(range(1, 9))
    assert rows[2]["prices"]["grade_3b"] == "1818.00"
    assert set(rows[0]["missing"]) == {"项目编码", "项目名称"}
    assert {f["text"] for f in detail["unplaced_fragments"]} >= {"起搏器", "磨头、推送器"}


def test_unknown_notice_is_404(shared_client):
    assert get(shared_client, "/v1/notices/999999", 404)["error"] == "not_found"


def test_health_and_readiness(shared_client):
    assert get(shared_client, "/healthz")["status"] == "ok"
    assert get(shared_client, "/readyz")["status"] == "ready"


def test_an_hourly_items_caps_are_said_in_hours(shared_client):
    item = get(shared_client, "/v1/items/31060400700")
    described = [r["description"] for r in item["rules"] if r["kind"] == "frequency_cap"]
    assert "每日最多收费24小时" in described and not any("24次" in d for d in described)


@pytest.mark.parametrize("typed", ["3315070050", "33150750500", "33105700500", "髋关节"])
def test_an_unknown_code_finds_the_item_it_may_have_meant(shared_client, typed):
    # A digit short, a wrong digit, two digits swapped, or a name instead of a code.
    from pricing_api.services.items import near_matches

    catalog = shared_client.app.state.catalog.current()
    assert near_matches(catalog, typed)[0].code == "33150700500"
    assert near_matches(catalog, "xyz") == []
