"""Database outage and recovery, consistency while publishing, several workers."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import PG_URL, bearer, prepared_database_key, running_app
from tests.test_tables_api import HEADER, upload

ROOT = Path(__file__).resolve().parent.parent


class TcpProxy:
    """A TCP relay we can cut: `down()` drops every connection and refuses new ones;
    `silence()` keeps every connection open and accepts new ones, but passes nothing on —
    a database that has stopped answering (stopped with SIGSTOP, or behind a hung network)."""

    def __init__(self, target_host: str, target_port: int):
        self.target = (target_host, target_port)
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.up_flag = threading.Event()
        self.up_flag.set()
        self.silent = threading.Event()
        self.held: list[socket.socket] = []
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if not self.up_flag.is_set():
                client.close()
                continue
            if self.silent.is_set():
                self.held.append(client)  # accepted, and never answered
                continue
            try:
                server = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.sockets += [client, server]
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, source, sink):
        try:
            while True:
                if self.silent.is_set():
                    time.sleep(0.02)
                    continue
                data = source.recv(65536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def down(self):
        self.up_flag.clear()
        with self.lock:
            for s in self.sockets:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                    s.close()
                except OSError:
                    pass
            self.sockets.clear()

    def up(self):
        self.up_flag.set()

    def silence(self):
        self.silent.set()

    def unsilence(self):
        self.silent.clear()
        for client in self.held:
            client.close()
        self.held.clear()

    def close(self):
        self.down()
        self.listener.close()


@pytest.mark.skipif(not PG_URL, reason="PRICING_TEST_DATABASE_URL not set")
def test_postgresql_outage_gives_503_and_the_service_recovers_without_a_restart(database_url, backend):
    if backend != "postgresql":
        pytest.skip("the outage is staged on PostgreSQL")
    url = make_url(database_url)
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
    through_proxy = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    try:
        with running_app(through_proxy) as client:
            assert client.get("/readyz").status_code == 200
            assert client.get("/v1/notices").status_code == 200
            proxy.down()
            ready = client.get("/readyz")
            assert ready.status_code == 503 and "数据库不可用" in ready.json()["detail"]
            notices = client.get("/v1/notices")
            assert notices.status_code == 503
            assert notices.json() == {"error": "service_unavailable", "message": "数据库暂时不可用，请稍后重试",
                                      "fields": [], "issues": None}
            # Prices are served from the worker's snapshot while the database is away.
            assert client.get("/v1/items/33150700500?as_of=2022-01-01").status_code == 200
            proxy.up()
            deadline = time.monotonic() + 15
            while client.get("/readyz").status_code != 200:
                assert time.monotonic() < deadline, "did not recover"
                time.sleep(0.2)
            assert client.get("/v1/notices").status_code == 200
    finally:
        proxy.close()


def test_validations_during_a_publish_see_all_old_or_all_new_prices(client):
    """A bill with two lines whose prices one table changes: each answer must judge both lines
    by the same table — two price findings (old prices) or none (new prices), never one."""
    revised = "\n".join([HEADER, "33150700500,人工全髋关节置换术,,,次,4800,4400,4000,",
                         "33150790100,人工关节翻修术,,,次,6900,6400,5800,"]) + "\n"
    draft = upload(client, revised.encode("gb18030"), effective_from="2022-01-01", document="并发测试")
    bill = {"bill_id": "C", "hospital": {"grade": "grade_3a"}, "patient": {"birth_date": "1970-01-01", "sex": "F"},
            "encounter": {"type": "outpatient"},
            "lines": [{"line_id": "1", "code": "33150700500", "service_date": "2022-03-01", "quantity": 1, "unit_price": 4800},
                      {"line_id": "2", "code": "33150790100", "service_date": "2022-03-01", "quantity": 1, "unit_price": 6900}]}
    seen: list[int] = []
    stop = threading.Event()

    def hammer():
        while not stop.is_set():
            body = client.post("/v1/bills/validate", json=bill).json()
            seen.append(sum(1 for f in body["findings"] if f["rule"] == "PRICE_ABOVE_STANDARD"))

    threads = [threading.Thread(target=hammer) for _ in range(6)]
    for t in threads:
        t.start()
    time.sleep(0.3)
    assert client.post(f"/v1/tables/{draft['id']}/publish").status_code == 200
    time.sleep(0.5)
    stop.set()
    for t in threads:
        t.join()
    assert seen and set(seen) <= {0, 2}, f"a mixed price set was used: {sorted(set(seen))}"
    assert 2 in seen and 0 in seen


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_workers_share_publishes_revocations_and_metrics(database_url, tmp_path):
    """Two worker processes on one database, as in production: a publish and a key revoked
    through one worker reach the other (a revocation within 1 s); /metrics on either worker adds
    up both; every log line on standard error is JSON."""
    admin_key = prepared_database_key(database_url, "admin", "workers test")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    env.update(PRICING_DATABASE_URL=database_url, PRICING_LOG_LEVEL="info")
    log_path = tmp_path / "server.log"
    with open(log_path, "wb") as log_file:
        server = subprocess.Popen([sys.executable, "-m", "pricing_api.cli", "serve", "--port", str(port), "--workers", "2"],
                                  cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    base, admin = f"http://127.0.0.1:{port}", bearer(admin_key)

    def each_connection(method: str, path: str, times: int = 30, **kwargs) -> list[httpx.Response]:
        answers = []
        for _ in range(times):
            with httpx.Client(base_url=base) as fresh:  # a new connection each time: any worker may answer
                answers.append(fresh.request(method, path, **kwargs))
        return answers

    def ready_workers() -> dict[int, str]:
        return {r.json()["worker"]: r.json()["catalog_version"] for r in each_connection("GET", "/readyz", 40)}

    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(httpx.HTTPError):
                before = ready_workers()
                if len(before) == 2:
                    break
            assert time.monotonic() < deadline, "two workers did not come up"
            time.sleep(0.5)

        # A publish through one worker: both serve the new prices.
        revised = "\n".join([HEADER, "33150700500,人工全髋关节置换术,,,次,4800,4400,4000,"]) + "\n"
        with httpx.Client(base_url=base, headers=admin) as client:
            draft = client.post("/v1/tables", data={"document": "多进程测试", "title": "t", "effective_from": "2024-01-01"},
                                files={"file": ("r.csv", revised.encode("gb18030"))}).json()
            assert client.post(f"/v1/tables/{draft['id']}/publish").status_code == 200
        published_at = time.monotonic()
        while True:
            after = ready_workers()
            if len(after) == 2 and all(int(v) > int(before[pid]) for pid, v in after.items() if pid in before):
                break
            assert time.monotonic() - published_at < 10, f"workers still on old prices: {after}"
            time.sleep(0.2)
        prices = {r.json()["price"] for r in each_connection("GET", "/v1/items/33150700500?as_of=2024-02-01&grade=grade_3a",
                                                             20, headers=admin)}
        assert prices == {"4800.00"}

        # Bills judged on both workers, counted once each in /metrics, whichever worker answers.
        with httpx.Client(base_url=base, headers=admin) as client:
            his_key = client.post("/v1/keys", json={"name": "HIS 甲", "role": "his"}).json()
            metrics_key = client.post("/v1/keys", json={"name": "Prometheus", "role": "metrics"}).json()["key"]
        bill = {"bill_id": "W-1", "hospital": {"grade": "grade_3a"}, "patient": {"birth_date": "1980-05-01", "sex": "F"},
                "encounter": {"type": "outpatient"},
                "lines": [{"line_id": "1", "code": "31060200800", "service_date": "2021-09-03", "quantity": "3",
                           "unit_price": "10"}]}
        judged = each_connection("POST", "/v1/bills/validate", 20, json=bill, headers=bearer(his_key["key"]))
        assert {r.status_code for r in judged} == {200}
        assert len({r.headers["x-request-id"] for r in judged}) == 20
        scraped = {r.text.split("pricing_bills_validated_total{endpoint=\"validate\"} ")[1].split("\n")[0]
                   for r in each_connection("GET", "/metrics", 10, headers=bearer(metrics_key))}
        assert scraped == {"20.0"}, scraped

        # A key revoked through one worker fails on every worker within 1 s.
        with httpx.Client(base_url=base, headers=admin) as client:
            assert client.post(f"/v1/keys/{his_key['id']}/revoke").status_code == 200
        revoked_at = time.monotonic()
        last_accepted = None
        while time.monotonic() - revoked_at < 2:
            with httpx.Client(base_url=base) as fresh:
                if fresh.post("/v1/bills/validate", json=bill, headers=bearer(his_key["key"])).status_code == 200:
                    last_accepted = time.monotonic() - revoked_at
        assert last_accepted is None or last_accepted < 1.0, f"revoked key still accepted after {last_accepted:.2f} s"
    finally:
        server.terminate()
        server.wait(timeout=20)

    lines = [line for line in log_path.read_text(encoding="utf-8").splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is JSON
    served = [r for r in records if r.get("event") == "request" and r["route"] == "/v1/bills/validate" and r["status"] == 200]
    assert len({r["worker"] for r in served}) == 2 and all(r["lines"] == 1 and r["key_id"] for r in served)
    assert his_key["key"] not in "\n".join(lines) and admin_key not in "\n".join(lines)
