"""Roles and keys: every /v1 endpoint needs a key with a fitting role."""

import pytest

from tests.conftest import bearer, make_key


def v1_operations(app):
    for path, methods in app.openapi()["paths"].items():
        if path.startswith("/v1"):
            for method in methods:
                yield method.upper(), path.replace("{code}", "33150700500").replace("{notice_id}", "1") \
                    .replace("{table_id}", "1").replace("{key_id}", "1")


def test_every_v1_endpoint_refuses_a_call_without_a_key(shared_client):
    operations = list(v1_operations(shared_client.app))
    assert len(operations) >= 14
    for method, path in operations:
        response = shared_client.request(method, path, headers={"Authorization": ""})
        assert response.status_code == 401, (method, path, response.status_code)
        assert response.json()["error"] == "unauthorized"


def test_health_endpoints_need_no_key(shared_client):
    for path in ("/healthz", "/readyz"):
        assert shared_client.get(path, headers={"Authorization": ""}).status_code == 200


@pytest.mark.parametrize(("role", "method", "path", "status"), [
    ("his", "GET", "/v1/items?q=dq", 403),
    ("his", "GET", "/v1/notices", 403),
    ("his", "GET", "/v1/tables", 403),
    ("auditor", "GET", "/v1/items?q=dq", 200),
    ("auditor", "GET", "/v1/audit-log", 403),
    ("auditor", "GET", "/v1/keys", 403),
    ("pricing", "GET", "/v1/audit-log", 403),
    ("pricing", "GET", "/v1/tables", 200),
    ("admin", "GET", "/v1/audit-log", 200),
])
def test_roles(shared_client, role, method, path, status):
    response = shared_client.request(method, path, headers=bearer(make_key(shared_client.app, role)))
    assert response.status_code == status
    if status == 403:
        assert role in response.json()["message"]


def test_his_may_validate_bills(shared_client):
    bill = {"bill_id": "b", "hospital": {"grade": "grade_3a"}, "patient": {"birth_date": "1970-01-01", "sex": "F"},
            "encounter": {"type": "outpatient"},
            "lines": [{"line_id": "1", "code": "31060200800", "service_date": "2022-01-01", "quantity": 1, "unit_price": 10}]}
    his = bearer(make_key(shared_client.app, "his"))
    assert shared_client.post("/v1/bills/validate", json=bill, headers=his).status_code == 200


@pytest.mark.parametrize("header", ["Bearer", "Basic abc", "Bearer qzp_not-a-key"])
def test_malformed_or_unknown_keys_are_401(shared_client, header):
    assert shared_client.get("/v1/notices", headers={"Authorization": header}).status_code == 401


def test_a_key_made_by_an_admin_works_until_revoked(client):
    created = client.post("/v1/keys", json={"role": "auditor", "name": "审计科"})
    assert created.status_code == 201
    key = created.json()
    assert key["key"].startswith("qzp_") and key["role"] == "auditor"
    headers = bearer(key["key"])
    assert client.get("/v1/notices", headers=headers).status_code == 200
    assert "key" not in client.get("/v1/keys").json()[0]
    assert client.post(f"/v1/keys/{key['id']}/revoke").status_code == 200
    client.app.state.keys.clear()  # otherwise the revocation applies within KEY_CACHE_SECONDS
    assert client.get("/v1/notices", headers=headers).status_code == 401
    actions = [e["action"] for e in client.get("/v1/audit-log").json()["entries"]]
    assert actions[:2] == ["key_revoke", "key_create"]
