"""POST /v1/bills/sheet: a hospital's 费用明细 export checked bill by bill, its odd headers asked once."""

from __future__ import annotations

import json

from tests.conftest import bearer, make_key
from tests.test_expense_sheet import PATIENT, PATIENT_ID, vendor_xlsx


def post_sheet(client, data: bytes, name: str = "明细.xlsx", **form):
    form = {k: (json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else v) for k, v in form.items()}
    return client.post("/v1/bills/sheet", files={"file": (name, data)}, data=form)


def test_a_vendor_export_is_checked_bill_by_bill(client):
    answer = post_sheet(client, vendor_xlsx(), grade="三乙", defaults={"encounter_type": "住院"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "checked" and body["layout"]["header_row"] == 3
    assert body["skipped"] == [{"row": 6, "reason": "合计行"}]
    [bill] = body["bills"]
    assert (bill["bill_id"], bill["first_row"], bill["last_row"], bill["status"]) == ("ZY20210901", 4, 5, "checked")
    rules = {f["rule"] for f in bill["result"]["findings"]}
    # 4592 charged at a 三乙 hospital whose price is 4234; 测试项目甲 three times on one day.
    assert "PRICE_ABOVE_STANDARD" in rules
    assert body["totals"]["bills"] == 1 and body["totals"]["lines"] == 2 and body["totals"]["at_risk"] != "0.00"
    assert PATIENT not in answer.text and PATIENT_ID not in answer.text and "1980-05-01" not in answer.text


def test_an_unknown_header_is_asked_once_then_remembered_for_the_hospital(client):
    assert client.post("/v1/hospitals", json={"fixmedins_code": "H-SHEET", "name": "测试医院",
                                               "grade": "三乙"}).status_code == 200
    data = vendor_xlsx(extra_header="物价码")
    first = post_sheet(client, data, fixmedins_code="H-SHEET").json()
    assert first["status"] == "needs_mapping" and first["layout"]["unplaced"] == ["物价码"]
    assert [c["column"] for c in first["layout"]["bill_values_needed"]] == ["encounter_type"]
    assert first["bills"] == []
    answered = post_sheet(client, data, fixmedins_code="H-SHEET", mapping={"物价码": "ignore"},
                          defaults={"encounter_type": "inpatient"}).json()
    assert answered["status"] == "checked" and answered["remembered"] is True
    # The next file from the same hospital needs no answer for that header, whoever sends it.
    auditor = bearer(make_key(client.app, "auditor"))
    again = client.post("/v1/bills/sheet", headers=auditor, files={"file": ("m.xlsx", data)},
                        data={"fixmedins_code": "H-SHEET", "defaults": '{"encounter_type": "住院"}'}).json()
    assert again["status"] == "checked"
    assert {h["header"]: h["source"] for h in again["layout"]["headers"]}["物价码"] == "remembered"
    assert client.get("/v1/audit-log?action=remember_columns").json()["total"] == 1


def test_gb18030_csv_with_bad_rows_reports_them_by_row(client):
    text = ("就诊流水号,医保项目编码,收费项目名称,数量,收费单价,收费日期,性别,出生日期\n"
            "MZ01,31060200800,测试项目甲,1,10.00,2021-09-03,女,1990-03-01\n"
            "MZ02,33150700500,人工全髋关节置换术,一,4592,2021-09-04,男,1960-03-10\n")
    body = post_sheet(client, text.encode("gb18030"), "明细.csv", grade="三甲",
                      defaults={"encounter_type": "门诊"}).json()
    by_id = {b["bill_id"]: b for b in body["bills"]}
    assert by_id["MZ01"]["status"] == "checked"
    assert by_id["MZ02"]["status"] == "invalid" and by_id["MZ02"]["problems"][0]["row"] == 3
    assert body["totals"]["invalid_bills"] == 1


def test_bad_requests_are_named(client):
    assert post_sheet(client, b"\x00\x01binary", "x.csv").status_code == 422
    bad_map = post_sheet(client, vendor_xlsx(), mapping={"规格": "price_of_gold"})
    assert bad_map.status_code == 422 and bad_map.json()["fields"][0]["field"].startswith("mapping")
    assert post_sheet(client, vendor_xlsx(), mapping="[1,2]").status_code == 422
    assert post_sheet(client, vendor_xlsx(), grade="四甲").status_code == 422
    assert post_sheet(client, vendor_xlsx(), defaults={"sex": "X"}).status_code == 422
    no_header = post_sheet(client, "甲,乙\n1,2\n".encode(), "x.csv")
    assert no_header.status_code == 422 and "表头" in no_header.json()["message"]
    his = bearer(make_key(client.app, "metrics"))
    assert client.post("/v1/bills/sheet", headers=his, files={"file": ("m.xlsx", vendor_xlsx())}).status_code == 403
