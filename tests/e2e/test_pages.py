"""The pages in a real browser (Debian's chromium, headless, through Playwright), each test at a
desktop size and at a phone's (390×844): every page a test visits must fit the window, keep
names readable and label its fields (`assert_page_fits`)."""

from __future__ import annotations

import csv
import json

from playwright.sync_api import expect

from tests.conftest import make_key
from tests.e2e.conftest import assert_page_fits, is_phone, shoot

VIOLATING_BILL = {
    "bill_id": "ZY1", "hospital": {"grade": "grade_3b"}, "patient": {"birth_date": "1960-03-10", "sex": "F"},
    "encounter": {"type": "inpatient", "admitted_on": "2021-09-01", "discharged_on": "2021-09-12"},
    "lines": [{"line_id": "1", "code": "33150700500", "service_date": "2021-09-03", "quantity": "1",
               "unit_price": "4592", "amount": "4592"}]}
CLEAN_BILL = {**VIOLATING_BILL, "bill_id": "ZY2",
              "lines": [{"line_id": "1", "code": "33150700500", "service_date": "2021-09-03", "quantity": "1",
                         "unit_price": "4234", "amount": "4234"}]}


def sign_in(page, base, key):
    page.goto(f"{base}/ui/login")
    page.fill("#key", key)
    page.click("#login")


def downloaded_rows(page, button="#download"):
    with page.expect_download() as download:
        page.click(button)
    with open(download.value.path(), encoding="utf-8-sig") as handle:
        return list(csv.reader(handle))


def test_a_wrong_key_is_refused(live_server, page):
    _, base = live_server
    sign_in(page, base, "qzp_wrong")
    assert "API key 无效或已撤销" in page.inner_text("[role=alert]")
    assert_page_fits(page)
    shoot(page, "login-refused")


def test_pages_without_a_session_lead_to_sign_in(live_server, page):
    _, base = live_server
    page.goto(f"{base}/ui/tables")
    assert "/ui/login" in page.url


def test_search_by_pinyin_move_with_the_arrow_keys_and_keep_the_grade(live_server, page):
    app, base = live_server
    sign_in(page, base, make_key(app, "auditor"))
    page.select_option("#grade", "grade_3b")
    page.fill("#as_of", "2023-06-01")  # before any revision another test publishes
    page.fill("#q", "gm")
    results = page.locator("#results tbody a")
    expect(results.first).to_have_text("32050000701")  # 冠脉… first: its initials start with gm
    count = results.count()
    assert count > 2
    assert_page_fits(page)
    page.fill("#q", "gmxg")
    expect(page.locator("#results tbody tr")).to_have_count(1)
    shoot(page, "search")
    page.fill("#q", "gm")
    expect(results).to_have_count(count)
    page.focus("#q")
    page.keyboard.press("ArrowDown")
    expect(results.nth(0)).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(results.nth(1)).to_be_focused()
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    expect(page.locator("#q")).to_be_focused()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url("**/ui/items/32050000701?*")
    assert "冠脉血管内压力导丝测定术" in page.inner_text("h1")
    expect(page.locator("#grade")).to_have_value("grade_3b")
    assert "三乙：3000.00" in page.inner_text("#chosen-price")
    prices = page.inner_text("#prices")
    assert "3254.00" in prices and "3000.00" in prices and "2746.00" in prices
    assert "衢医保联发〔2021〕11号" in page.inner_text("#history")
    assert_page_fits(page)
    page.click("#back")
    expect(page.locator("#grade")).to_have_value("grade_3b")
    expect(page.locator("#q")).to_have_value("gm")
    expect(page.locator("#as_of")).to_have_value("2023-06-01")


def test_items_are_listed_by_notice(live_server, page):
    app, base = live_server
    sign_in(page, base, make_key(app, "auditor"))
    page.goto(f"{base}/ui/items")
    page.select_option("#document", "衢医保联发〔2021〕12号")
    expect(page.locator("#count")).to_contain_text("80 个项目")
    notices = page.locator("#results tbody td[data-label=通知]").all_inner_texts()
    assert set(notices) == {"衢医保联发〔2021〕12号"}
    page.reload()  # the notice is in the address, so the list can be bookmarked
    expect(page.locator("#document")).to_have_value("衢医保联发〔2021〕12号")


def test_uncertain_fields_are_marked_and_hourly_caps_are_said_in_hours(live_server, page):
    app, base = live_server
    sign_in(page, base, make_key(app, "auditor"))
    page.goto(f"{base}/ui/items/33080200300")
    assert page.locator(".flag").first.is_visible()
    assert "第13–15行" in page.inner_text("main")
    assert_page_fits(page)
    shoot(page, "item")
    page.goto(f"{base}/ui/items/31060400700")
    rules = page.inner_text("#rules")
    assert "每日最多收费24小时" in rules and "24次" not in rules


def test_a_missing_item_has_its_own_page_with_periods_or_near_matches(live_server, page):
    app, base = live_server
    sign_in(page, base, make_key(app, "auditor"))
    response = page.goto(f"{base}/ui/items/31060400700?as_of=2024-01-01&grade=grade_3b")
    assert response.status == 404
    text = page.inner_text("main")
    assert "2024-01-01 没有生效的价格" in text and "无权访问" not in text and "更换 key" not in text
    period = page.locator("#history a", has_text="2021-09-01 至 2023-08-31")
    expect(page.locator("#history tr.in-force")).to_contain_text("无生效价格")
    assert_page_fits(page)
    period.click()
    expect(page.locator("#prices")).to_contain_text("135.00")
    expect(page.locator("#grade")).to_have_value("grade_3b")
    response = page.goto(f"{base}/ui/items/3315070050")  # a digit short
    assert response.status == 404
    assert "没有编码为" in page.inner_text("h1") and "无权访问" not in page.inner_text("main")
    expect(page.locator("#near a").first).to_have_text("33150700500")
    assert_page_fits(page)


def test_check_a_bill_findings_speak_chinese_and_name_the_line(live_server, page):
    app, base = live_server
    sign_in(page, base, make_key(app, "auditor"))
    page.goto(f"{base}/ui/bills")
    page.fill("#bill-json", json.dumps(VIOLATING_BILL, ensure_ascii=False, indent=2))
    page.click("#check")
    row = page.locator("#findings tbody tr").first
    expect(row.locator(".rule-name")).to_have_text("医疗服务项目超限定单价收费")
    expect(row.locator(".rule-code")).to_have_text("PRICE_ABOVE_STANDARD · GZ10000102001000")
    assert row.locator(".rule-code").evaluate("e => parseFloat(getComputedStyle(e).fontSize)") < \
        row.locator(".rule-name").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    for label, value in (("项目编码", "33150700500"), ("项目名称", "人工全髋关节置换术"), ("服务日期", "2021-09-03"),
                         ("结果", "违规"), ("涉及金额", "358.00")):
        expect(row.locator(f"td[data-label={label}]")).to_have_text(value)
    assert "358.00" in page.inner_text("#summary")
    assert_page_fits(page)
    shoot(page, "bill", at="#summary")
    header, finding = downloaded_rows(page)
    record = dict(zip(header, finding, strict=True))
    assert (record["项目编码"], record["项目名称"], record["服务日期"]) == ("33150700500", "人工全髋关节置换术", "2021-09-03")
    assert (record["规则"], record["规则编号"], record["涉及金额"]) == (
        "医疗服务项目超限定单价收费", "PRICE_ABOVE_STANDARD", "358.00")


def test_a_clean_bill_says_no_problem_and_downloads_as_a_record(live_server, page):
    app, base = live_server
    sign_in(page, base, make_key(app, "auditor"))
    page.goto(f"{base}/ui/bills")
    page.fill("#bill-json", json.dumps(CLEAN_BILL, ensure_ascii=False))
    page.click("#check")
    expect(page.locator("#findings tbody tr.clean")).to_contain_text("未发现问题")
    assert "未发现问题" in page.inner_text("#summary")
    assert_page_fits(page)
    header, record = downloaded_rows(page)
    record = dict(zip(header, record, strict=True))
    assert (record["单据"], record["审核结论"], record["结果"]) == ("ZY2", "通过", "未发现问题")


def test_a_pasted_bills_errors_point_to_the_real_line_in_chinese_once(live_server, page):
    app, base = live_server
    sign_in(page, base, make_key(app, "auditor"))
    page.goto(f"{base}/ui/bills")
    broken = json.dumps(VIOLATING_BILL, indent=2).replace('"quantity": "1",', '"quantity": "1",,')
    line = next(n for n, text in enumerate(broken.splitlines(), start=1) if ",," in text)
    column = broken.splitlines()[line - 1].index(",,") + 2
    page.fill("#bill-json", broken)
    page.click("#check")
    error = page.locator("#error")
    expect(error).to_contain_text(f"第 {line} 行第 {column} 列")
    assert "Unexpected" not in error.inner_text() and "JSON at position" not in error.inner_text()
    # One bill a line: the error names the line in the box, not the line within the bill.
    page.fill("#bill-json", "\n".join([json.dumps(CLEAN_BILL), '{"bill_id": "x",}', json.dumps(CLEAN_BILL)]))
    page.click("#check")
    expect(error).to_contain_text("第 2 行的单据无法审核：第 2 行第 17 列")
    page.fill("#bill-json", json.dumps({**VIOLATING_BILL, "hospital": {"grade": "四甲"}, "lines": [
        {**VIOLATING_BILL["lines"][0], "unit_price": "abc"}]}))
    page.click("#check")
    expect(error).to_contain_text("第1条明细的单价：不是有效数字")
    text = error.inner_text()
    assert text.count("不是有效数字") == 1 and "Input should" not in text and "Traceback" not in text
    assert_page_fits(page)


def test_upload_see_the_diff_publish_and_see_the_periods(live_server, page, tmp_path):
    # Each size revises its own item, so the two runs share the server without meeting.
    app, base = live_server
    code, name, old, new, change = (
        ("32050000701", "冠脉血管内压力导丝测定术", "3254.00", ("3400", "3100", "2800"), "+146.00（+4.5%）")
        if is_phone(page) else
        ("33150700500", "人工全髋关节置换术", "4592.00", ("4800", "4400", "4000"), "+208.00（+4.5%）"))
    sign_in(page, base, make_key(app, "pricing"))
    page.goto(f"{base}/ui/tables")
    assert_page_fits(page)
    revised = tmp_path / "revised.csv"
    revised.write_bytes((f"项目编码,项目名称,计价单位,三甲,三乙,二级及以下\n{code},{name},次,{','.join(new)}\n"
                         f"{code[:-3]}999,测试新增项目,次,300,280,260\n").encode("gb18030"))
    page.set_input_files("#file", str(revised))
    document = f"衢医保联发〔2024〕{code[-3:]}号"
    page.fill("#document", document)
    page.fill("#title", f"关于调整{name}价格的通知")
    page.fill("#effective_from", "2024-01-01")
    page.click("#upload")
    page.wait_for_selector("#diff")
    assert "草稿" in page.inner_text("#state")
    changed = page.locator("#diff tbody tr", has_text=name)
    expect(changed).to_contain_text(old)
    expect(changed).to_contain_text(f"{new[0]}.00")
    expect(changed).to_contain_text(change)
    expect(page.locator("#diff tbody tr", has_text="测试新增项目")).to_contain_text("300.00")
    assert "test pricing" in page.inner_text("main") and "key:qzp_" not in page.inner_text("main")
    assert_page_fits(page)
    shoot(page, "diff", at="#diff-summary")
    # Before publishing: what the draft would move on a month of claims, with its chart.
    claims = tmp_path / "month.csv"
    claims.write_text("bill_id,fixmedins_code,hospital_grade,birth_date,sex,encounter_type,line_id,code,service_date,"
                      f"quantity,unit_price\nB1,H1,三甲,1950-01-01,F,outpatient,1,{code},2024-02-02,1,{old}\n",
                      encoding="utf-8")
    page.set_input_files("#impact-form input[type=file]", str(claims))
    page.click("#impact-form button")
    page.wait_for_selector("#impact-chart")
    assert old in page.inner_text("#impact-total") and f"{new[0]}.00" in page.inner_text("#impact-items")
    assert_page_fits(page)
    shoot(page, "impact", at="#impact-chart")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#publish")
    page.wait_for_selector("#state >> text=已发布")
    page.goto(f"{base}/ui/items/{code}?as_of=2024-02-01")
    assert f"{new[0]}.00" in page.inner_text("#prices")
    history = page.locator("#history")
    expect(history.locator("tbody tr").first).to_contain_text("2021-09-01 至 2023-12-31")
    current = history.locator("tr.in-force")
    expect(current).to_have_count(1)
    expect(current).to_contain_text("2024-01-01 至 今")
    expect(current).to_contain_text(document)
    expect(current).to_contain_text(change)
    assert_page_fits(page)
    page.goto(f"{base}/ui/tables")
    assert "test pricing" in page.locator("#tables tbody tr", has_text=document).inner_text()
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
    assert_page_fits(page)


def test_a_page_needing_another_role_says_so_and_a_missing_table_says_not_found(live_server, page):
    app, base = live_server
    sign_in(page, base, make_key(app, "his"))
    page.goto(f"{base}/ui/items")
    assert "无权访问" in page.inner_text("h1") and "his" in page.inner_text("[role=alert]")
    assert_page_fits(page)
    page.goto(f"{base}/ui/bills")
    assert page.locator("#bill-json").is_visible()
    sign_in(page, base, make_key(app, "auditor"))
    response = page.goto(f"{base}/ui/tables/999999")
    assert response.status == 404 and "未找到" in page.inner_text("h1") and "更换 key" not in page.inner_text("main")
    assert_page_fits(page)


def test_auditors_see_no_upload_form_and_sign_out_clears_the_session(live_server, page):
    app, base = live_server
    sign_in(page, base, make_key(app, "auditor"))
    page.goto(f"{base}/ui/tables")
    assert page.locator("#upload").count() == 0
    assert_page_fits(page)
    page.click("text=退出")
    page.goto(f"{base}/ui/items")
    assert "/ui/login" in page.url
    assert_page_fits(page)


def test_the_findings_download_never_carries_a_formula(live_server, page):
    app, base = live_server
    sign_in(page, base, make_key(app, "auditor"))
    page.goto(f"{base}/ui/bills")
    bill = {"bill_id": "=HYPERLINK(\"http://evil.example\",\"x\")", "hospital": {"grade": "grade_3b"},
            "patient": {"birth_date": "1960-03-10", "sex": "F"}, "encounter": {"type": "outpatient"},
            "lines": [{"line_id": "1", "code": "33150700500", "name": "@SUM(A1)", "service_date": "2021-09-03",
                       "quantity": "1", "unit_price": "4592"}]}
    page.fill("#bill-json", json.dumps(bill, ensure_ascii=False))
    page.click("#check")
    page.wait_for_selector("#findings tbody tr")
    header, *rows = downloaded_rows(page)
    [record] = [r for r in (dict(zip(header, row, strict=True)) for row in rows) if r["规则编号"] == "PRICE_ABOVE_STANDARD"]
    assert record["单据"] == "'" + bill["bill_id"] and record["项目名称"] == "'@SUM(A1)"
    assert record["涉及金额"] == "358.00"  # money stays a number


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
    assert_page_fits(page)
    shoot(page, "feedback")
