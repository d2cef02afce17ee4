"""/v1/audits: runs, findings under review (初审/复审 by two keys), deductions, rule quality."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlmodel import Session

from pricing_api.storage import audits as stored
from pricing_api.storage.records import AuditRunRecord
from tests.conftest import bearer, make_key
from tests.test_audit_review import finding


@pytest.fixture
def stored_run(client) -> int:
    """A finished run with three findings in two hospitals, as a run leaves them."""
    with Session(client.app.state.engine) as session:
        run = stored.add_run(session, AuditRunRecord(title="2021年9月住院", source_name="claims.csv",
                                                     source_sha256="0" * 64, state="done", findings_count=3,
                                                     at_risk_cents=38800))
        stored.insert_findings(session, [finding(run.id, 1), finding(run.id, 2, cents=1000),
                                         finding(run.id, 3, hospital="H2", rule="FREQUENCY_EXCEEDED", cents=2000)])
        session.commit()
        return run.id


def test_auditors_review_a_run_and_download_the_deductions(client, stored_run):
    first = bearer(make_key(client.app, "auditor"))
    second = bearer(make_key(client.app, "pricing"))
    detail = client.get(f"/v1/audits/{stored_run}", headers=first).json()
    assert detail["state"] == "done" and detail["at_risk"] == "388.00" and detail["state_label"] == "已完成"
    assert [(h["key"], h["findings"], h["at_risk"]) for h in detail["hospitals"]] == [("H1", 2, "368.00"),
                                                                                       ("H2", 1, "20.00")]
    assert detail["rules"][0]["label"] and detail["rules"][0]["extra"] == "GZ10000102001000"
    page = client.get(f"/v1/audits/{stored_run}/findings?fixmedins_code=H1", headers=first).json()
    assert page["total"] == 2 and page["at_risk"] == "368.00"
    assert [f["at_risk"] for f in page["findings"]] == ["358.00", "10.00"]
    top = page["findings"][0]
    assert top["rule_name"] and top["item_name"] == "人工全髋关节置换术" and top["service_date"] == "2021-09-03"
    assert top["stage"] == "open" and top["decision"] is None

    answer = client.post(f"/v1/audits/{stored_run}/reviews", headers=first,
                         json={"stage": "first", "decision": "confirmed", "filter": {"fixmedins_code": "H1"}})
    assert answer.status_code == 200 and answer.json()["updated"] == 2
    # The same key may not do the 复审.
    same = client.post(f"/v1/audits/{stored_run}/reviews", headers=first,
                       json={"stage": "second", "decision": "confirmed", "finding_ids": [top["id"]]})
    assert same.status_code == 409 and "另一位审核人" in same.json()["message"]
    ok = client.post(f"/v1/audits/{stored_run}/reviews", headers=second,
                     json={"stage": "second", "decision": "confirmed", "finding_ids": [top["id"]]})
    assert ok.status_code == 200
    reviewed = client.get(f"/v1/audits/{stored_run}/findings?stage=final", headers=first).json()["findings"]
    assert [(f["id"], f["decision"], f["first_by_name"], f["second_by_name"]) for f in reviewed] == [
        (top["id"], "confirmed", "test auditor", "test pricing")]

    xlsx = client.get(f"/v1/audits/{stored_run}/deductions?fixmedins_code=H1", headers=first)
    assert xlsx.status_code == 200 and xlsx.headers["content-type"].startswith("application/vnd.openxmlformats")
    lines = list(load_workbook(io.BytesIO(xlsx.content))["扣款明细"].iter_rows(min_row=2, values_only=True))
    assert len(lines) == 1 and lines[0][14] == 358

    quality = client.get("/v1/audits/rule-quality", headers=first).json()
    rule = next(r for r in quality["rules"] if r["rule"] == "PRICE_ABOVE_STANDARD")
    assert (rule["decided"], rule["confirmed"], rule["confirmed_amount"]) == (1, 1, "358.00")
    log = client.get("/v1/audit-log?action=review_findings").json()
    assert log["total"] == 2


def test_audit_endpoints_need_the_audit_permission_and_say_what_is_wrong(client, stored_run):
    his = bearer(make_key(client.app, "his"))
    assert client.get("/v1/audits", headers=his).status_code == 403
    assert client.get(f"/v1/audits/{stored_run}/findings", headers=his).status_code == 403
    assert client.get("/v1/audits/999999").status_code == 404
    bad = client.post(f"/v1/audits/{stored_run}/reviews", json={"stage": "third", "decision": "confirmed",
                                                                 "finding_ids": [1]})
    assert bad.status_code == 422 and any(f["field"].endswith("stage") for f in bad.json()["fields"])
    too_many = client.post(f"/v1/audits/{stored_run}/reviews", json={"stage": "first", "decision": "confirmed",
                                                                      "finding_ids": list(range(1, 1002))})
    assert too_many.status_code == 422
    reason = client.post(f"/v1/audits/{stored_run}/reviews", json={"stage": "first", "decision": "rejected",
                                                                    "finding_ids": [1]})
    assert reason.status_code == 422 and reason.json()["fields"][0]["field"] == "comment"
    backwards = client.get("/v1/audits/rule-quality?from=2021-10-01&to=2021-09-01")
    assert backwards.status_code == 422


def test_report_dates_outside_what_a_clock_can_hold_are_refused_not_a_500(client):
    for path in ("/v1/audits/rule-quality", "/v1/nhsa/feedback/summary"):
        assert client.get(f"{path}?from=0001-01-01").status_code == 422
        assert client.get(f"{path}?to=9999-12-31").status_code == 422
