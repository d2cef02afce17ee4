"""Request size limits: 413 above the limit, whether or not the client says the length."""

import pytest

from tests.conftest import running_app
from tests.validators.builders import bill_data, line


@pytest.fixture
def small_limit_client(database_url):
    with running_app(database_url, max_request_bytes=4096) as client:
        yield client


def test_a_body_over_the_limit_is_413(small_limit_client):
    lines = [line("31060200800", 10, line_id=str(i)) for i in range(200)]
    response = small_limit_client.post("/v1/bills/validate", json=bill_data(*lines))
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large" and "4096" in response.json()["message"]


def test_a_streamed_body_without_a_length_is_cut_off_at_the_limit(small_limit_client):
    def chunks():
        yield b'{"bill_id": "x", "lines": ['
        for _ in range(500):
            yield b'{"line_id": "1", "code": "31060200800"},'
        yield b"]}"

    response = small_limit_client.post("/v1/bills/validate", content=chunks(),
                                       headers={"content-type": "application/json"})
    assert response.status_code == 413


def test_a_body_under_the_limit_is_judged(small_limit_client):
    response = small_limit_client.post("/v1/bills/validate", json=bill_data(line("31060200800", 10)))
    assert response.status_code == 200
