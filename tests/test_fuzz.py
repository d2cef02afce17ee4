"""API fuzzing: schemathesis over the committed openapi/openapi.json against a running server,
every operation, with a key of each role, on SQLite and on PostgreSQL — no 5xx, and every
response matches the spec."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import BACKENDS, fresh_database, live_server_for, make_key

SPEC = "openapi/openapi.json"
schema = schemathesis.openapi.from_path(SPEC).exclude(
    # Revoking keys would revoke the fuzzer's own keys; that endpoint has its own tests.  3102 is
    # 3101's own handler (fuzzed there): its deep request schema costs a minute a backend.
    path_regex=r"/v1/keys/\{key_id\}/revoke|/v1/nhsa/3102")
ROLES = ("his", "auditor", "pricing", "admin")
# What the issue asks: no 5xx, and every response (status, content type, headers, body) as
# the spec says.  (Schemathesis' negative-data check is left out: a query string cannot carry
# the objects and arrays it generates, so its "should have been rejected" cases are artefacts.)
from schemathesis.checks import (  # noqa: E402
    ensure_resource_availability,
    ignored_auth,
    missing_required_header,
    negative_data_rejection,
    positive_data_acceptance,
    unsupported_method,
    use_after_free,
)

ALL_OTHER_CHECKS = [negative_data_rejection, positive_data_acceptance, ignored_auth, missing_required_header,
                    unsupported_method, use_after_free, ensure_resource_availability]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


@pytest.fixture(scope="module", params=BACKENDS)
def live_server(request, tmp_path_factory):
    with fresh_database(request.param, tmp_path_factory.mktemp("fuzz")) as url, live_server_for(url) as served:
        yield served


@pytest.fixture(scope="module")
def role_keys(live_server):
    app, _ = live_server
    return {role: make_key(app, role) for role in ROLES}


@pytest.mark.parametrize("role", ROLES)
@schema.parametrize()
@settings(max_examples=int(os.environ.get("PRICING_FUZZ_EXAMPLES", "25")), deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture])
def test_api_conforms_to_its_spec_for_every_role(case, role, live_server, role_keys):
    _, base = live_server
    case.call_and_validate(base_url=base, headers={"Authorization": f"Bearer {role_keys[role]}"}, checks=CHECKS,
                           excluded_checks=[c for c in ALL_OTHER_CHECKS if c not in CHECKS])
