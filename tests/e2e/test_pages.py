"""The pages in a real browser (Debian's chromium, headless, through Playwright)."""

from __future__ import annotations

import csv
import json

from playwright.sync_api import expect

from tests.conftest import make_key
from tests.e2e.conftest import shoot


def sign_in(page, base, key):
    page.goto(f"{base}/ui/login")
    page.fill("#key", key)
    page.click("#login")


def test_a_wrong_key_is_refused(live_server, page):
    _, base = live_server
    sign_in(page, base, "qzp_wrong")
    assert "API key 无效或已撤销" in page.inner_text("[role=alert]")
    shoot(page, "login-refused")


def test_pages_without_a_session_lead_to_sign_in(live_server, page):
    _, base = live_server
    page.goto(f"{base}/ui/tables")
    assert "/ui/login" in page.url


def test_search_by_pinyin_initials_and_open_the_item(live_server, page):
    app, base = live_server
    sign_in(page, base, make_key(app, "auditor"))
    page.fill("#q", "gmxg")
    expect(page.locator("#results tbody tr")).to_have_count(1)
    assert "32050000701" in page.inner_text("#results tbody")
    shoot(page, "search")
    page.click("text=32050000701")
    page.wait_for_selector("h1")
    assert "冠脉血管内压力导丝测定术" in page.inner_text("h1")
    prices = page.inner_text("#prices")
    assert "3254.00" in prices and "3000.00" in prices and "2746.00" in prices
    assert "衢医保联发〔2021〕11号" in page.inner_text("#history")


def test_uncertain_fields_are_marked_on_the_item_page(live_server, page):
    app, base = live_server
    sign_in(page, base, make_key(app, "auditor"))
    page.goto(f"{base}/ui/items/33080200300")
    assert page.locator(".flag").first.is_visible()
    assert "第13–15行" in page.inner_text("main")
    shoot(page, "item")


def test_check_a_bill_with_a_known_violation(live_server, page):
    app, base = live_server
    sign_in(page, base, make_key(app, "auditor"))
    page.goto(f"{base}/ui/bills")
    bill = {"bill_id": "ZY1", "hospital": {"grade": "grade_3b"}, "patient": {"birth_date": "1960-03-10", "sex": "F"},
            "encounter": {"type": "inpatient", "admitted_on": "2021-09-01", "discharged_on": "2021-09-12"},
            "lines": [{"line_id": "1", "code": "33150700500", "service_date": "2021-09-03", "quantity": "1",
                       "unit_price": "4592", "amount": "4592"}]}
    page.fill("#bill-json", json.dumps(bill, ensure_ascii=False, indent=2))
    page.click("#check")
    row = page.wait_for_selector("#findings tbody tr")
    text = row.inner_text()
    assert "PRICE_ABOVE_STANDARD" in text and "违规" in text and "358.00" in text
    assert "358.00" in page.inner_text("#summary")
    shoot(page, "bill")
    with page.expect_download() as download:
        page.click("#download")
    with open(download.value.path(), encoding="utf-8-sig") as handle:
        content = handle.read()
    assert "PRICE_ABOVE_STANDARD" in content and "358.00" in content


def test_a_bad_bill_shows_the_reason_not_a_trace(live_server, page):
    app, base = live_server
    sign_in(page, base, make_key(app, "auditor"))
    page.goto(f"{base}/ui/bills")
    page.fill("#bill-json", '{"bill_id": "x", "lines": []}')
    page.click("#check")
    error = page.wait_for_selector("#error:not([hidden])").inner_text()
    assert "无法审核" in error and "Traceback" not in error


def test_upload_see_the_diff_publish_and_see_the_new_price(live_server, page, tmp_path):
    app, base = live_server
    sign_in(page, base, make_key(app, "pricing"))
    page.goto(f"{base}/ui/tables")
    revised = tmp_path / "revised.csv"
    revised.write_bytes("项目编码,项目名称,计价单位,三甲,三乙,二级及以下\n33150700500,人工全髋关节置换术,次,4800,4400,4000\n"
                        .encode("gb18030"))
    page.set_input_files("#file", str(revised))
    page.fill("#document", "衢医保联发〔2024〕9号")
    page.fill("#title", "关于调整人工全髋关节置换术价格的通知")
    page.fill("#effective_from", "2024-01-01")
    page.click("#upload")
    page.wait_for_selector("#diff")
    assert "草稿" in page.inner_text("#state")
    diff = page.inner_text("#diff")
    assert "4592.00" in diff and "4800.00" in diff
    shoot(page, "diff")
    # before publishing: what the draft would move on a month of claims, with its chart
    claims = tmp_path / "month.csv"
    claims.write_text("bill_id,fixmedins_code,hospital_grade,birth_date,sex,encounter_type,line_id,code,service_date,"
                      "quantity,unit_price\nB1,H1,三甲,1950-01-01,F,outpatient,1,33150700500,2024-02-02,1,4592\n",
                      encoding="utf-8")
    page.set_input_files("#impact-form input[type=file]", str(claims))
    page.click("#impact-form button")
    page.wait_for_selector("#impact-chart")
    assert "4592.00" in page.inner_text("#impact-total") and "4800.00" in page.inner_text("#impact-items")
    shoot(page, "impact")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#publish")
    page.wait_for_selector("#state >> text=已发布")
    page.goto(f"{base}/ui/items/33150700500?as_of=2024-02-01")
    assert "4800.00" in page.inner_text("#prices")
    assert "衢医保联发〔2024〕9号" in page.inner_text("#history")
    page.goto(f"{base}/ui/tables")
    shoot(page, "tables")


def test_a_refused_upload_shows_its_errors(live_server, page, tmp_path):
    app, base = live_server
    sign_in(page, base, make_key(app, "pricing"))
    page.goto(f"{base}/ui/tables")
    bad = tmp_path / "bad.csv"
    bad.write_text("项目编码,项目名称,计价单位,三甲,三乙,二级及以下\n"
                   "33150700500,人工全髋关节置换术,次,abc,4400,4000\n", encoding="utf-8")
    page.set_input_files("#file", str(bad))
    page.fill("#document", "错误表")
    page.fill("#title", "t")
    page.fill("#effective_from", "2024-01-01")
    page.click("#upload")
    assert "错误" in page.inner_text("#upload-error")
    assert "abc" in page.inner_text("#upload-issues")


def test_a_page_needing_another_role_says_so(live_server, page):
    app, base = live_server
    sign_in(page, base, make_key(app, "his"))
    page.goto(f"{base}/ui/items")
    assert "无权访问" in page.inner_text("h1") and "his" in page.inner_text("[role=alert]")
    page.goto(f"{base}/ui/bills")
    assert page.locator("#bill-json").is_visible()


def test_auditors_see_no_upload_form_and_sign_out_clears_the_session(live_server, page):
    app, base = live_server
    sign_in(page, base, make_key(app, "auditor"))
    page.goto(f"{base}/ui/tables")
    assert page.locator("#upload").count() == 0
    page.click("text=退出")
    page.goto(f"{base}/ui/items")
    assert "/ui/login" in page.url


def test_the_findings_download_never_carries_a_formula(live_server, page):
    app, base = live_server
    sign_in(page, base, make_key(app, "auditor"))
    page.goto(f"{base}/ui/bills")
    bill = {"bill_id": "=HYPERLINK(\"http://evil.example\",\"x\")", "hospital": {"grade": "grade_3b"},
            "patient": {"birth_date": "1960-03-10", "sex": "F"}, "encounter": {"type": "outpatient"},
            "lines": [{"line_id": "1", "code": "33150700500", "service_date": "2021-09-03", "quantity": "1",
                       "unit_price": "4592"}]}
    page.fill("#bill-json", json.dumps(bill, ensure_ascii=False))
    page.click("#check")
    page.wait_for_selector("#findings tbody tr")
    with page.expect_download() as download:
        page.click("#download")
    with open(download.value.path(), encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    assert rows[1][0] == "'" + bill["bill_id"]
    assert rows[1][6] == "358.00"  # money stays a number


def test_the_pricing_office_sees_how_hospitals_handled_each_rules_warnings(live_server, page):
    import httpx

    from tests.test_nhsa_api import order, request

    app, base = live_server
    his = {"Authorization": f"Bearer {make_key(app, 'his')}"}
    answer = httpx.post(f"{base}/v1/nhsa/3101", json=request(order("1", "33150700500", 1, 4700)), headers=his).json()
    [warning] = answer["output"]["result"]
    feedback = {"input": {"data": {"warn_type": "1", "warns": [
        {"warn_rslt_id": warning["jr_id"], "dspo_way": "1", "dspo_way_rea": "患者自愿"}]}}}
    assert httpx.post(f"{base}/v1/nhsa/3103", json=feedback, headers=his).json()["infcode"] == 0
    sign_in(page, base, make_key(app, "pricing"))
    page.goto(f"{base}/ui/feedback")
    row = page.locator("#rules tbody tr", has_text="医疗服务项目超限定单价收费")
    expect(row).to_contain_text("GZ10000102001000")
    expect(row).to_contain_text("100%")
    shoot(page, "feedback")
