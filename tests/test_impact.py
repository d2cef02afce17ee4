"""What a draft would move: POST /v1/tables/{id}/impact re-prices a claims file under the
published tables and under the draft, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from tests.conftest import bearer, make_key
from tests.test_tables_api import HIP, csv_bytes, upload

FLAT = ("bill_id,fixmedins_code,hospital_grade,birth_date,sex,encounter_type,admitted_on,discharged_on,"
        "line_id,code,name,service_date,quantity,unit,unit_price,amount")


def claims(*rows: str) -> bytes:
    return ("\n".join([FLAT, *rows]) + "\n").encode("utf-8")


def hip_line(bill: str, hospital: str, grade: str, price: str) -> str:
    return (f"{bill},{hospital},{grade},1950-01-01,F,inpatient,2024-02-01,2024-02-10,"
            f"1,33150700500,人工全髋关节置换术,2024-02-02,1,次,{price},{price}")


def test_a_draft_raising_a_price_moves_money_and_clears_the_overcharges_it_allows(client):
    draft = upload(client, csv_bytes(HIP))  # 4592 → 4800 (三甲), 4234 → 4400 (三乙) from 2024-01-01
    body = claims(hip_line("B1", "H1", "三甲", "4800"), hip_line("B2", "H2", "grade_3b", "4234"),
                  "B3,H1,三甲,1950-01-01,F,outpatient,,,1,31060200800,,2024-02-02,2,,10,20",
                  "B4,H1,三甲,not a date,F,outpatient,,,1,31060200800,,2024-02-02,1,,10,10")
    response = client.post(f"/v1/tables/{draft['id']}/impact", files={"file": ("month.csv", body)})
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["lines"], report["rejected_rows"], report["lines_moved"]) == (3, 1, 2)
    # the 12号 line has no price in 2024: it moves nothing
    assert (report["before"], report["after"], report["delta"]) == ("8826.00", "9200.00", "374.00")
    [hip] = report["per_item"]
    assert (hip["code"], hip["before"], hip["after"], hip["delta"]) == ("33150700500", "8826.00", "9200.00", "374.00")
    assert {g["grade_label"]: g["delta"] for g in report["per_grade"]} == {"三甲": "208.00", "三乙": "166.00"}
    assert {h["fixmedins_code"]: h["delta"] for h in report["per_hospital"]} == {"H1": "208.00", "H2": "166.00"}
    # 4800 was 208 over the published price; under the draft it is the price
    assert (report["findings_new"], report["findings_gone"]) == (0, 1)
    [gone] = report["changes"]
    assert (gone["change"], gone["bill_id"], gone["rule"]) == ("gone", "B1", "PRICE_ABOVE_STANDARD")
    assert gone["amount_at_risk"] == "208.00"
    assert (report["at_risk_before"], report["at_risk_after"]) == ("228.00", "20.00")  # 20: the 12号 line, out of effect


def test_impact_needs_the_pricing_role_and_a_draft(client):
    draft = upload(client, csv_bytes(HIP))
    body = claims(hip_line("B1", "H1", "三甲", "4800"))
    auditor = bearer(make_key(client.app, "auditor"))
    assert client.post(f"/v1/tables/{draft['id']}/impact", files={"file": ("m.csv", body)}, headers=auditor).status_code == 403
    assert client.post("/v1/tables/1/impact", files={"file": ("m.csv", body)}).status_code == 409  # bundled, published
    refused = client.post(f"/v1/tables/{draft['id']}/impact", files={"file": ("m.xlsx", body)})
    assert refused.status_code == 422 and "明细文件" in refused.json()["message"]


@pytest.mark.parametrize("rows", [[], ["B4,H1,三甲,not a date,F,outpatient,,,1,31060200800,,2024-02-02,1,,10,10"]])
def test_a_file_without_a_readable_line_is_a_422(client, rows):
    draft = upload(client, csv_bytes(HIP))
    response = client.post(f"/v1/tables/{draft['id']}/impact", files={"file": ("m.csv", claims(*rows))})
    assert response.status_code == 422, response.text
