"""Audit runs end to end: a claims file posted, judged in the background by DuckDB, its findings
stored with the billed item's name and date; the CLI's --store; runs whose worker stopped."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from sqlmodel import Session
from typer.testing import CliRunner

from benchmarks.claims import write_month
from pricing_api.cli import app as cli
from pricing_api.startup import prepare_database
from pricing_api.storage import audits as stored
from pricing_api.storage.database import make_engine
from pricing_api.storage.records import AuditRunRecord, utcnow
from tests.test_expense_sheet import vendor_xlsx
from tests.validators.test_properties import CATALOG

CLAIMS = ("bill_id,fixmedins_code,hospital_grade,birth_date,sex,encounter_type,admitted_on,discharged_on,line_id,code,"
          "name,service_date,quantity,unit_price\n"
          "B1,H1,三乙,1960-03-10,F,inpatient,2021-09-01,2021-09-12,1,33150700500,人工全髋关节置换术,2021-09-03,1,4592\n"
          "B1,H1,三乙,1960-03-10,F,inpatient,2021-09-01,2021-09-12,2,31060200800,,2021-09-03,3,10\n"
          "B2,H2,三甲,1990-01-01,M,outpatient,,,1,33150700500,人工全髋关节置换术,2021-09-05,1,4592\n"
          "B3,H2,三甲,1990-01-01,M,outpatient,,,1,33150700500,,not-a-date,1,4592\n")


def wait_for(client, run_id: int, seconds: float = 60) -> dict:
    deadline = time.monotonic() + seconds
    while True:
        run = client.get(f"/v1/audits/{run_id}").json()
        if run["state"] in ("done", "failed"):
            return run
        assert time.monotonic() < deadline, run
        time.sleep(0.2)


def test_a_claims_file_is_judged_in_the_background_and_its_findings_stored(client, tmp_path, settings_dirs):
    answer = client.post("/v1/audits", data={"title": "2021年9月"},
                         files={"file": ("月度结算.csv", CLAIMS.encode("gb18030"))})
    assert answer.status_code == 202, answer.text
    started = answer.json()
    assert started["state"] in ("queued", "running", "done") and started["source_bytes"] == len(CLAIMS.encode("gb18030"))
    run = wait_for(client, started["id"])
    assert run["state"] == "done", run["error"]
    assert (run["bills_judged"], run["rejected_rows"], run["lines_read"]) == (2, 1, 4)
    assert run["rejected_sample"][0]["row_no"] == 4 and run["progress"] == 100  # the 4th data row
    assert run["at_risk"] == "368.00"  # 三乙 charged the 三甲 price (358.00), a third 31060200800 that day (10.00)
    findings = client.get(f"/v1/audits/{run['id']}/findings?sort=position").json()["findings"]
    rules = {(f["bill_id"], f["rule"]) for f in findings}
    assert ("B1", "PRICE_ABOVE_STANDARD") in rules and ("B1", "FREQUENCY_EXCEEDED") in rules
    price = next(f for f in findings if f["rule"] == "PRICE_ABOVE_STANDARD")
    assert (price["item_name"], price["service_date"], price["fixmedins_code"]) == ("人工全髋关节置换术", "2021-09-03", "H1")
    # a line billed without a name gets the catalog's
    frequency = next(f for f in findings if f["rule"] == "FREQUENCY_EXCEEDED")
    assert frequency["item_name"] and frequency["code"] == "31060200800"
    assert client.get("/v1/audit-log?action=start_audit_run").json()["total"] == 1
    # the file is kept with its run
    assert (settings_dirs / f"run-{run['id']}" / "claims-1.csv").exists()


def test_files_no_reader_takes_are_refused_before_anything_is_stored(client, settings_dirs):
    for name, content in (("claims.exe", b"MZ..."), ("claims.csv", b"")):
        answer = client.post("/v1/audits", data={"title": "t"}, files={"file": (name, content)})
        assert answer.status_code == 422 and answer.json()["fields"][0]["field"] == "file"
    odd = client.post("/v1/audits", data={"title": "t"}, files={"file": ("明细.xlsx", vendor_xlsx(extra_header="物价码"))})
    assert odd.status_code == 422 and "物价码" in odd.json()["fields"][0]["reason"]
    assert client.get("/v1/audits").json()["total"] == 0
    assert [p for p in settings_dirs.rglob("*") if p.is_file()] == []


def test_a_vendor_workbook_becomes_a_run(client, settings_dirs):
    answer = client.post("/v1/audits", data={"title": "费用明细", "grade": "三乙"},
                         files={"file": ("明细.xlsx", vendor_xlsx())})
    assert answer.status_code == 202, answer.text
    run = wait_for(client, answer.json()["id"])
    # the workbook does not say 住院 or 门诊: its bill is refused, and the run says so
    assert run["state"] == "done" and run["rejected_rows"] >= 1


def test_a_vendor_csv_export_becomes_a_run_like_a_workbook(client, settings_dirs):
    """A 费用明细 exported as CSV (GB18030, a title row, Chinese headers, a totals row) is read as
    the bill page reads it, not as flat claims whose every row lacks its columns."""
    export = ("衢州市测试医院住院费用明细\n"
              "住院号,患者姓名,项目编码,项目名称,数量,单价,金额,费用发生时间,出生日期,性别,就诊类型\n"
              "ZY01,张三丰,33150700500,人工全髋关节置换术,1,4592,4592,2021-09-04 10:00,1960-03-10,女,住院\n"
              "ZY01,张三丰,31060200800,测试项目甲,3,10,30,2021-09-03 08:00,1960-03-10,女,住院\n"
              "合计,,,,,,4622,,,,\n").encode("gb18030")
    answer = client.post("/v1/audits", data={"title": "费用明细CSV", "grade": "三乙", "fixmedins_code": "H-CSV"},
                         files={"file": ("住院费用明细.csv", export)})
    assert answer.status_code == 202, answer.text
    run = wait_for(client, answer.json()["id"])
    assert run["state"] == "done", run["error"]
    assert (run["lines_read"], run["bills_judged"], run["rejected_rows"]) == (2, 1, 0)
    assert run["at_risk"] == "368.00"  # 三乙 charged the 三甲 price, and a third 31060200800 that day
    # the hospital's file is kept as received, beside the flat rows judged
    kept = sorted(p.name for p in (settings_dirs / f"run-{run['id']}").iterdir())
    assert kept == ["claims-1.csv", "claims-2.csv"]
    assert (settings_dirs / f"run-{run['id']}" / "claims-2.csv").read_bytes() == export


def test_a_csv_that_is_neither_flat_claims_nor_an_export_reports_its_rows(client, settings_dirs):
    answer = client.post("/v1/audits", data={"title": "t"}, files={"file": ("x.csv", b"a,b,c\n1,2,3\n")})
    run = wait_for(client, answer.json()["id"])
    assert run["state"] == "done" and run["rejected_rows"] == 1 and "bill_id" in run["rejected_sample"][0]["reason"]


def test_an_unreadable_file_fails_the_run_and_says_why(client, settings_dirs):
    answer = client.post("/v1/audits", data={"title": "t"}, files={"file": ("x.parquet", b"not parquet at all")})
    run = wait_for(client, answer.json()["id"])
    assert run["state"] == "failed" and run["error"].startswith("审核失败")


def test_the_cli_stores_a_run_for_review(database_url, tmp_path, monkeypatch):
    source = tmp_path / "month.parquet"
    written = write_month(CATALOG, source, 3_000, seed=3)
    monkeypatch.setenv("PRICING_DATABASE_URL", database_url)
    from pricing_api.settings import get_settings

    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["audit", str(source), "--store", "--title", "2021年9月", "--engine", "duckdb"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    engine = make_engine(database_url)
    with Session(engine) as session:
        [run], total = stored.list_runs(session, limit=10, offset=0)
        assert total == 1 and run.state == "done" and run.title == "2021年9月" and run.lines_read == written
        rows, count, cents = stored.findings_page(session, run.id, stored.FindingFilter(), sort="amount", limit=5, offset=0)
        assert count == run.findings_count > 0 and cents == run.at_risk_cents
        assert all(r.item_name and r.service_date for r in rows)
    engine.dispose()
    assert f"audit run {run.id}" in result.output


def test_runs_whose_worker_stopped_are_failed_at_the_next_start(database_url):
    engine = make_engine(database_url)
    prepare_database(engine, load_bundled=False)
    with Session(engine) as session:
        stale = stored.add_run(session, AuditRunRecord(title="t", source_name="x.csv", source_sha256="0" * 64,
                                                       state="running", heartbeat_at=utcnow() - dt.timedelta(hours=1)))
        fresh = stored.add_run(session, AuditRunRecord(title="t", source_name="x.csv", source_sha256="0" * 64,
                                                       state="running", heartbeat_at=utcnow()))
        session.commit()
        ids = stale.id, fresh.id
    prepare_database(engine, load_bundled=False)
    with Session(engine) as session:
        assert stored.get_run(session, ids[0]).state == "failed"
        assert stored.get_run(session, ids[1]).state == "running"
    engine.dispose()


@pytest.fixture
def settings_dirs(tmp_path, monkeypatch):
    """The audit folder of the `client` fixture's app (a fresh one per test)."""
    return tmp_path / "audits"
