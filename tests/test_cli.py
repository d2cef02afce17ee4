"""The console script."""

import json

from sqlmodel import Session
from typer.testing import CliRunner

from pricing_api.cli import app
from pricing_api.storage import notices as stored
from pricing_api.storage.database import make_engine

runner = CliRunner()


def test_load_puts_the_bundled_notices_in_the_configured_database(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("PRICING_DATABASE_URL", url)
    from pricing_api.settings import get_settings
    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["load"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "衢医保联发〔2021〕12号 — 80 items" in result.output
    with Session(make_engine(url)) as session:
        assert stored.count_notices(session) == 2


def test_load_refuses_a_broken_table_and_stores_nothing(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("PRICING_DATABASE_URL", url)
    table = tmp_path / "bad.csv"
    table.write_text("项目编码,项目名称,计价单位,价格\n1,甲,次,abc\n", encoding="utf-8")
    (tmp_path / "bad.toml").write_text(
        'document = "测试〔2026〕1号"\ntitle = "t"\nissuer = ["x"]\nsigned_on = 2026-01-01\n'
        'effective_from = 2026-02-01\nscope = "s"\n', encoding="utf-8")
    from pricing_api.settings import get_settings
    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["load", str(table)])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 1
    assert "第2行" in result.output and "abc" in result.output
    assert not (tmp_path / "cli.sqlite3").exists()


def test_export_openapi_writes_the_spec(tmp_path):
    out = tmp_path / "spec.json"
    result = runner.invoke(app, ["export-openapi", "-o", str(out)])
    assert result.exit_code == 0
    assert "/v1/items/{code}" in json.loads(out.read_text(encoding="utf-8"))["paths"]


def test_audit_writes_findings_csv_and_summary_with_bad_lines_counted(tmp_path):
    import csv

    from tests.validators.builders import bill_data, line

    bills = tmp_path / "bills.ndjson"
    good = bill_data(line("33150700500", 4592), grade="grade_3b")
    clean = dict(bill_data(line("31060200800", 10)), bill_id="T2")
    bills.write_text("\n".join([json.dumps(good, ensure_ascii=False), "{not json", json.dumps(clean)]) + "\n",
                     encoding="utf-8")
    result = runner.invoke(app, ["audit", str(bills), "--bundled", "--no-progress"])
    assert result.exit_code == 0, result.output
    with (tmp_path / "bills.findings.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["rule"], r["amount_at_risk"]) for r in rows] == [("PRICE_ABOVE_STANDARD", "358.00")]
    summary = json.loads((tmp_path / "bills.summary.json").read_text(encoding="utf-8"))
    assert summary["bills"] == 2 and summary["outcomes"] == {"violation": 1, "pass": 1}
    assert summary["rejected_rows"] == 1 and summary["rejected"][0]["row"] == 2 and summary["at_risk"] == "358.00"
    assert "PRICE_ABOVE_STANDARD" in result.output and "358.00" in result.output


def test_keys_create_list_and_revoke(tmp_path, monkeypatch):
    from pricing_api.auth import hash_key
    from pricing_api.settings import get_settings
    from pricing_api.storage.records import ApiKey

    url = f"sqlite:///{tmp_path / 'keys.sqlite3'}"
    monkeypatch.setenv("PRICING_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        created = runner.invoke(app, ["keys", "create", "--role", "pricing", "--name", "价格科"])
        assert created.exit_code == 0, created.output
        secret = created.output.split()[-1]
        with Session(make_engine(url)) as session:
            [record] = session.exec(__import__("sqlmodel").select(ApiKey)).all()
            assert record.key_hash == hash_key(secret) and secret not in record.key_hash
        listed = runner.invoke(app, ["keys", "list"])
        assert "pricing" in listed.output and "active" in listed.output
        assert runner.invoke(app, ["keys", "revoke", str(record.id)]).exit_code == 0
        assert "revoked" in runner.invoke(app, ["keys", "list"]).output
        assert runner.invoke(app, ["keys", "create", "--role", "boss"]).exit_code == 2
    finally:
        get_settings.cache_clear()


def test_audit_findings_never_carry_a_formula(tmp_path):
    import csv

    from tests.validators.builders import bill_data, line

    bills = tmp_path / "bills.ndjson"
    bill = bill_data(line("33150700500", 4592), grade="grade_3b")
    bill["bill_id"] = "=cmd|' /C calc'!A0"
    bills.write_text(json.dumps(bill, ensure_ascii=False) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["audit", str(bills), "--bundled", "--no-progress"])
    assert result.exit_code == 0, result.output
    with (tmp_path / "bills.findings.csv").open(encoding="utf-8-sig") as handle:
        [row] = list(csv.DictReader(handle))
    assert row["bill_id"] == "'=cmd|' /C calc'!A0" and row["amount_at_risk"] == "358.00"
