"""The auditor's desk in a real browser: a hospital's 费用明细 Excel checked from the bill page
(an odd header asked once, then remembered), at desktop and phone size."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.conftest import make_key
from tests.e2e.conftest import assert_page_fits, shoot
from tests.e2e.test_pages import downloaded_rows, sign_in
from tests.test_expense_sheet import PATIENT, vendor_xlsx


def test_a_vendor_excel_is_checked_from_the_bill_page(live_server, page, tmp_path):
    app, base = live_server
    sheet = tmp_path / "住院费用明细.xlsx"
    sheet.write_bytes(vendor_xlsx(extra_header="物价码"))
    hospital = f"H-E2E-{page.viewport_size['width']}"  # each size starts with a hospital the service has not seen
    sign_in(page, base, make_key(app, "auditor"))
    page.goto(f"{base}/ui/bills")
    page.set_input_files("#sheet-file", str(sheet))
    page.fill("#sheet-hospital", hospital)
    page.select_option("#sheet-grade", "grade_3b")
    page.click("#sheet-check")
    # 物价码 is not a header vendors share, and the file does not say 住院 or 门诊: asked once.
    expect(page.locator("#mapping-form")).to_be_visible()
    assert "物价码" in page.inner_text("#mapping-fields")
    assert_page_fits(page)
    page.select_option("#map-0", "ignore")
    page.select_option("#default-encounter_type", "inpatient")
    page.click("#mapping-submit")
    row = page.locator("#findings tbody tr", has_text="医疗服务项目超限定单价收费")
    expect(row.locator("td[data-label=涉及金额]")).to_have_text("358.00")
    expect(row.locator("td[data-label=项目名称]")).to_have_text("人工全髋关节置换术")
    summary = page.inner_text("#summary")
    assert "2 条明细" in summary and "第 6 行合计行" in summary and "涉及金额 368.00 元" in summary
    expect(page.locator("#sheet-note")).to_contain_text("记住")
    assert PATIENT not in page.content()
    assert_page_fits(page)
    shoot(page, "sheet", at="#summary")
    header, *records = downloaded_rows(page)
    assert any(dict(zip(header, r, strict=True))["涉及金额"] == "358.00" for r in records)
    # The hospital's next file: nothing to answer but the file's missing 住院/门诊.
    page.reload()
    page.set_input_files("#sheet-file", str(sheet))
    page.fill("#sheet-hospital", hospital)
    page.select_option("#sheet-grade", "grade_3b")
    page.click("#sheet-check")
    expect(page.locator("#mapping-fields select")).to_have_count(1)
    expect(page.locator("#default-encounter_type")).to_be_visible()


def test_an_audit_run_from_file_to_deductions_and_rule_quality_on_postgresql(live_server_pg, page, tmp_path):
    """File → findings → 初审 → 复审 (another auditor) → deduction list → rule-quality chart."""
    app, base = live_server_pg
    tag = "手机" if page.viewport_size["width"] < 600 else "电脑"
    claims = tmp_path / "claims.csv"
    claims.write_text(
        "bill_id,fixmedins_code,hospital_grade,birth_date,sex,encounter_type,line_id,code,service_date,quantity,unit_price\n"
        f"{tag}B1,H-E2E,三乙,1960-03-10,F,outpatient,1,33150700500,2021-09-03,1,4592\n"
        f"{tag}B2,H-E2E,三乙,1960-03-10,F,outpatient,1,31060200800,2021-09-03,3,10\n", encoding="utf-8")
    sign_in(page, base, make_key(app, "auditor"))
    page.goto(f"{base}/ui/audits")
    assert_page_fits(page)
    page.set_input_files("#claims", str(claims))
    page.fill("#title", f"2021年9月门诊（{tag}）")
    page.click("#start")
    # the run's page follows its progress and shows its findings when done
    expect(page.locator("#run-totals")).to_be_visible(timeout=30_000)
    assert "涉及金额" in page.inner_text("#run-totals")
    row = page.locator("#findings tbody tr", has_text="医疗服务项目超限定单价收费")
    expect(row.locator("td[data-label='金额（元）']")).to_have_text("358.00")
    assert_page_fits(page)
    shoot(page, "audit-run", at="#findings")
    # 初审: confirm the price finding
    row.locator("input[name=finding_id]").check()
    page.select_option("#review-stage", "first")
    page.select_option("#review-decision", "confirmed")
    page.click("#review-submit")
    expect(page.locator(".notice.ok")).to_contain_text("初审成立：1 条")
    # the same auditor cannot do the 复审
    page.locator("#findings tbody tr", has_text="医疗服务项目超限定单价收费").locator("input[name=finding_id]").check()
    page.select_option("#review-stage", "second")
    page.click("#review-submit")
    expect(page.locator(".notice.error")).to_contain_text("另一位审核人")
    # a second auditor confirms
    run_url = page.url.split("?")[0]
    page.context.clear_cookies()
    sign_in(page, base, make_key(app, "pricing"))
    page.goto(run_url + "?stage=first")
    page.locator("#findings tbody tr", has_text="医疗服务项目超限定单价收费").locator("input[name=finding_id]").check()
    page.select_option("#review-stage", "second")
    page.select_option("#review-decision", "confirmed")
    page.fill("#review-comment", "复核无误")
    page.click("#review-submit")
    expect(page.locator(".notice.ok")).to_contain_text("复审成立：1 条")
    # the deduction list: one line, the confirmed one, with its basis
    with page.expect_download() as download:
        page.click("#all-deductions")
    import io
    from pathlib import Path

    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert download.value.suggested_filename.endswith(".xlsx")
    lines = list(workbook["扣款明细"].iter_rows(min_row=2, values_only=True))
    assert len(lines) == 1 and lines[0][14] == 358 and lines[0][15] == "衢医保联发〔2021〕11号"
    # what the rule turned out to be worth, as a chart
    page.goto(f"{base}/ui/rule-quality")
    quality = page.locator("#rule-PRICE_ABOVE_STANDARD")
    expect(quality.locator("td[data-label=成立]")).not_to_have_text("0")
    expect(page.locator("#money-chart rect.bar")).not_to_have_count(0)
    expect(page.locator("svg[id='months-PRICE_ABOVE_STANDARD'] rect.bar.confirmed")).not_to_have_count(0)
    assert_page_fits(page)
    shoot(page, "rule-quality", at="#quality")
