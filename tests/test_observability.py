"""What an operator sees: /metrics for the metrics role, one JSON log line per request, request ids.

The multi-worker side (samples added up across workers) is in test_resilience.py.
"""

from __future__ import annotations

import json
import logging
import re

import pytest

from pricing_api.logging_setup import JsonFormatter
from tests.conftest import bearer, make_key
from tests.test_nhsa_api import PATIENT_ID, PATIENT_NAME, order, post, request
from tests.validators.builders import bill_data, line

BIRTH = "1960-03-10"


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text, 0 when absent."""
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    pattern = re.compile(rf"^{re.escape(name)}(?:\{{(.*)\}})? (\S+)$", re.M)
    for found_labels, value in pattern.findall(text):
        if sorted((found_labels or "").split(",")) == sorted(wanted.split(",")) if wanted else not found_labels:
            return float(value)
    return 0.0


def scrape(client) -> str:
    response = client.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


def test_metrics_need_the_metrics_role_or_admin(shared_client):
    app = shared_client.app
    assert shared_client.get("/metrics", headers={"Authorization": ""}).status_code == 401
    for role in ("his", "auditor", "pricing"):
        assert shared_client.get("/metrics", headers=bearer(make_key(app, role))).status_code == 403, role
    scraper = bearer(make_key(app, "metrics"))
    assert shared_client.get("/metrics", headers=scraper).status_code == 200
    # The scraper's key opens nothing else.
    assert shared_client.get("/v1/items/33150700500", headers=scraper).status_code == 403
    assert shared_client.post("/v1/bills/validate", json=bill_data(line("33150700500", 4592)),
                              headers=scraper).status_code == 403


def test_counters_move_with_traffic(shared_client):
    before = scrape(shared_client)
    bill = bill_data(line("31060200800", 10, quantity=3, line_id="a"), line("33150700500", 4592, line_id="b"),
                     grade="grade_3b")
    for _ in range(3):
        assert shared_client.post("/v1/bills/validate", json=bill).status_code == 200
    post(shared_client, request(order("1", "31060200800", 3, 10)))
    assert shared_client.get("/v1/items/33150700500").status_code == 200
    assert shared_client.get("/v1/items/99999999999").status_code == 404
    after = scrape(shared_client)

    def moved(name, **labels):
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert moved("pricing_bills_validated_total", endpoint="validate") == 3
    assert moved("pricing_bill_lines_validated_total", endpoint="validate") == 6
    assert moved("pricing_bills_validated_total", endpoint="3101") == 1
    assert moved("pricing_findings_total", rule="FREQUENCY_EXCEEDED", result="violation") == 4
    # 三乙 billed at the 三甲 price: the difference per bill, three bills.
    assert moved("pricing_money_at_risk_yuan_total", rule="PRICE_ABOVE_STANDARD") > 0
    assert moved("pricing_http_requests_total", route="/v1/bills/validate", method="POST", status="200") == 3
    assert moved("pricing_http_requests_total", route="/v1/items/{code}", method="GET", status="404") == 1
    assert moved("pricing_http_request_duration_seconds_count", route="/v1/bills/validate", method="POST") == 3
    # Labels are route templates: the code asked for never becomes a label.
    assert not re.search(r'="[^"]*99999999999', after)
    assert sample(after, "pricing_catalog_version") >= 1
    assert sample(after, "pricing_catalog_last_refresh_timestamp_seconds") > 0
    assert "pricing_db_pool_connections_in_use" in after and "pricing_db_errors_total" in after


@pytest.fixture
def access_lines(caplog):
    """Every record any logger writes while the test runs, formatted as the server writes them."""
    caplog.set_level(logging.DEBUG)
    formatter = JsonFormatter()
    return lambda: [formatter.format(record) for record in caplog.records]


def test_one_json_line_per_request_with_the_request_id_echoed(shared_client, access_lines):
    response = shared_client.post("/v1/bills/validate", headers={"X-Request-ID": "his-0042"},
                                  json=bill_data(line("31060200800", 10, quantity=3)))
    assert response.headers["x-request-id"] == "his-0042"
    generated = shared_client.get("/v1/items/33150700500").headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    # An id that could forge a log line is replaced, not copied.
    assert shared_client.get("/healthz", headers={"X-Request-ID": 'x"}\n{"evil":1'}).headers["x-request-id"] != 'x"}'

    requests = [json.loads(text) for text in access_lines() if '"event":"request"' in text]
    validate = next(r for r in requests if r["request_id"] == "his-0042")
    assert validate["route"] == "/v1/bills/validate" and validate["method"] == "POST" and validate["status"] == 200
    assert validate["lines"] == 1 and validate["findings"] >= 1 and validate["bill_id"]
    assert isinstance(validate["key_id"], int) and validate["duration_ms"] >= 0 and validate["worker"]
    lookup = next(r for r in requests if r["request_id"] == generated)
    assert lookup["route"] == "/v1/items/{code}"


def test_logs_never_carry_patient_data_or_key_secrets(shared_client, access_lines):
    secret = shared_client.headers["Authorization"].removeprefix("Bearer ")
    # 3101 carries the patient's name, ID number and birth date; the service reads what it needs.
    post(shared_client, request(order("1", "31060200800", 3, 10), brdy=BIRTH))
    # An unreadable 3101 and a bill with fields we do not take (a name, an ID number) are refused.
    broken = request(order("1", "31060200800", "三", 10, sumamt=30), brdy=BIRTH)
    shared_client.post("/v1/nhsa/3101", json=broken)
    bill = bill_data(line("31060200800", 10), birth=BIRTH)
    bill["patient"].update(name=PATIENT_NAME, id_number=PATIENT_ID)
    refused = shared_client.post("/v1/bills/validate", json=bill)
    assert refused.status_code == 422
    assert PATIENT_NAME not in refused.text and PATIENT_ID not in refused.text
    shared_client.get("/v1/items/33150700500", headers={"Authorization": "Bearer not-a-real-key-1234567890"})

    logged = "\n".join(access_lines())
    assert logged.count('"event":"request"') >= 4
    for private in (PATIENT_NAME, PATIENT_ID, BIRTH, secret, "not-a-real-key-1234567890"):
        assert private not in logged, private


def test_the_grafana_dashboard_only_charts_metrics_the_service_exports(shared_client):
    from pathlib import Path

    dashboard = json.loads((Path(__file__).resolve().parent.parent / "docs" / "grafana-dashboard.json").read_text("utf-8"))
    charted = {name for panel in dashboard["panels"] for target in panel["targets"]
               for name in re.findall(r"pricing_[a-z_]+", target["expr"])}
    exported = set(re.findall(r"^# TYPE (pricing_[a-z_]+) (\w+)", scrape(shared_client), re.M))
    names = {name for name, _ in exported} | {f"{name}_{suffix}" for name, kind in exported if kind == "histogram"
                                              for suffix in ("bucket", "count", "sum")}
    names |= {f"{name}_total" for name, kind in exported if kind == "counter"}
    assert charted and charted <= names, charted - names
