"""POST /v1/bills/validate: every rule through the API, on SQLite and PostgreSQL."""

import pytest

from tests.validators.builders import bill_data, line
from validators.registry import RULES

OUT = {"type": "inpatient", "admitted_on": "2021-09-01", "discharged_on": "2021-09-02"}

TRIPS = {
    "ITEM_NOT_COVERED": bill_data(line("25010100100", 20)),
    "NOT_IN_EFFECT": bill_data(line("31060200800", 10, day="2023-09-01"), encounter={"type": "outpatient"}),
    "CHARGE_OUTSIDE_STAY": bill_data(line("33150700500", 4592, day="2021-09-03"), encounter=OUT),
    "NAME_MISMATCH": bill_data(line("33150700500", 4592, name="人工膝关节置换术")),
    "UNIT_MISMATCH": bill_data(line("33080200300", 8960, unit="次")),
    "PRICE_ABOVE_STANDARD": bill_data(line("33150700500", 4592), grade="grade_3b"),
    "AMOUNT_MISMATCH": bill_data(line("31060200800", 10, quantity=2, amount=30)),
    "DURATION_TIER_MISMATCH": bill_data(line("22060000703", 69, duration_hours="1.7")),
    "AGE_RESTRICTED": bill_data(line("12040000202", 5), birth="2014-09-03"),
    "SEX_RESTRICTED": bill_data(line("33140002000", 2768), sex="M"),
    "GRADE_RESTRICTED": bill_data(line("21030000402", 450), grade="二级及以下"),
    "FREQUENCY_EXCEEDED": bill_data(line("31060200800", 10, quantity=3)),
    "TOTAL_CAP_EXCEEDED": bill_data(line("33000000012", 400, line_id="op"),
                                    line("C0001", 2600, line_id="head", main_line_id="op")),
    "MUTUALLY_EXCLUSIVE": bill_data(line("33020090200", 1950, line_id="a"), line("33020090300", 5000, line_id="b")),
    "DUPLICATE_CHARGE": bill_data(line("11110090100", 369, line_id="a"), line("12160000100", 18, line_id="b")),
    "ADDON_WITHOUT_BASE": bill_data(line("31060501501", 830)),
    "CONSENT_REQUIRED": bill_data(line("NAA00000，T2", 30000, consent_signed=False)),
    "INDICATION_REQUIRED": bill_data(line("33000000012", 400)),
    "CODE_UNMAPPED": bill_data(line("HX-0001", 100)),
    "HOSPITAL_GRADE_UNKNOWN": bill_data(line("33150700500", 4592), grade=None),
    "HOSPITAL_GRADE_CONFLICT": {**bill_data(line("33150700500", 4234)),
                                "hospital": {"fixmedins_code": "H-API-1", "grade": "三乙"}},
}
#: What a case needs registered first.
SETUP = {"HOSPITAL_GRADE_CONFLICT": {"fixmedins_code": "H-API-1", "name": "测试医院", "grade": "三甲"}}


def validate(client, body, status=200):
    response = client.post("/v1/bills/validate", json=body)
    assert response.status_code == status, response.text
    return response.json()


def test_every_registered_rule_has_an_api_case():
    assert set(TRIPS) == {r.id for r in RULES}


@pytest.mark.parametrize("rule", sorted(TRIPS))
def test_rule_trips_through_the_api(shared_client, rule):
    if rule in SETUP:
        assert shared_client.post("/v1/hospitals", json=SETUP[rule]).status_code == 200
    body = validate(shared_client, TRIPS[rule])
    found = [f for f in body["findings"] if f["rule"] == rule]
    assert found, body
    finding = found[0]
    assert finding["message"] and finding["basis"]["text"]
    assert float(finding["amount_at_risk"]) >= 0


def test_the_issue_example_shape(shared_client):
    body = validate(shared_client, {
        "bill_id": "ZY20210903001", "hospital": {"grade": "grade_3b"},
        "patient": {"birth_date": "1960-03-10", "sex": "F"},
        "encounter": {"type": "inpatient", "admitted_on": "2021-09-01", "discharged_on": "2021-09-12"},
        "lines": [{"line_id": "1", "code": "33150700500", "name": "人工全髋关节置换术", "service_date": "2021-09-03",
                   "quantity": "1", "unit": "次", "unit_price": "4592", "amount": "4592"}],
        "history": []})
    assert body["outcome"] == "violation"
    [finding] = body["findings"]
    assert finding == {
        "rule": "PRICE_ABOVE_STANDARD", "national_rule": "GZ10000102001000", "result": "violation",
        "line_ids": ["1"], "message": finding["message"], "expected": "4234.00", "charged": "4592.00",
        "amount_at_risk": "358.00",
        "basis": {"document": "衢医保联发〔2021〕11号", "seq": 17, "text": finding["basis"]["text"]}}
    assert "4234.00" in finding["message"] and "358.00" in finding["message"]
    assert body["totals"] == {"charged": "4592.00", "at_risk": "358.00"}


def test_a_clean_bill_passes(shared_client):
    body = validate(shared_client, bill_data(line("33150700500", 4592, amount=4592, name="人工全髋关节置换术", unit="次")))
    assert body["outcome"] == "pass" and body["findings"] == []


def test_numbers_are_accepted_as_well_as_strings(shared_client):
    data = bill_data(line("31060200800", 10))
    data["lines"][0].update(quantity=2, unit_price=10.0, amount=20)
    assert validate(shared_client, data)["outcome"] == "pass"


def test_3101_field_names_are_accepted(shared_client):
    body = validate(shared_client, {
        "bill_id": "B", "hospital": {"grade": "三甲"}, "patient": {"brdy": "1970-01-01", "gend": "2"},
        "encounter": {"type": "outpatient"},
        "lines": [{"line_id": "1", "hilist_code": "33150700500", "drord_begn_date": "2021-09-03",
                   "cnt": 1, "pric": 4600, "sumamt": 4600}]})
    assert [f["rule"] for f in body["findings"]] == ["PRICE_ABOVE_STANDARD"]


@pytest.mark.parametrize(("mutate", "field"), [
    (lambda b: b.update(lines=[]), "lines"),
    (lambda b: b["lines"][0].update(quantity="-1"), "lines.0.quantity"),
    (lambda b: b["lines"][0].update(unit_price="abc"), "lines.0.unit_price"),
    (lambda b: b["lines"][0].update(service_date="2021-02-30"), "lines.0.service_date"),
    (lambda b: b["hospital"].update(grade="四甲"), "hospital.grade"),
    (lambda b: b.pop("patient"), "patient"),
    (lambda b: b["patient"].update(sex="X"), "patient.sex"),
    (lambda b: b["lines"][0].update(code=33150700500), "lines.0.code"),
])
def test_bad_bills_are_422_naming_the_field(shared_client, mutate, field):
    body = bill_data(line("33150700500", 4592))
    mutate(body)
    error = validate(shared_client, body, 422)
    assert field in [f["field"] for f in error["fields"]], error


def test_duplicate_line_ids_are_refused(shared_client):
    error = validate(shared_client, bill_data(line("33150700500", 4592, line_id="1"), line("31060200800", 10, line_id="1")), 422)
    assert "重复" in error["message"]


def test_more_than_5000_lines_is_refused_with_the_limit(shared_client):
    lines = [line("31060200800", 10, line_id=str(i)) for i in range(5001)]
    error = validate(shared_client, bill_data(*lines), 422)
    assert error["fields"][0]["field"] == "lines" and "5000" in error["fields"][0]["reason"]


def test_malformed_json_is_422(shared_client):
    response = shared_client.post("/v1/bills/validate", content=b'{"bill_id": ', headers={"content-type": "application/json"})
    assert response.status_code == 422 and response.json()["fields"][0]["field"] == "body"


def test_the_fast_json_is_exactly_the_documented_result_model():
    import json

    from benchmarks.catalogs import real_catalog
    from benchmarks.engine import make_bills
    from pricing_api.schemas.bills import BillResult, result_json
    from validators import validate

    catalog = real_catalog()
    for bill in make_bills(catalog, 5, 40, seed=5):
        report = validate(bill, catalog)
        assert report.findings
        fast = json.loads(result_json(report, catalog))
        assert fast == json.loads(BillResult.of(report, catalog).model_dump_json())
        BillResult.model_validate(fast)  # and it validates against the schema
