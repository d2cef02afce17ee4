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
