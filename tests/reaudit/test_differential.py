"""The DuckDB engine's findings are the Python engine's, row for row and to the cent: every
column of the findings file, messages included, and every bill's totals and outcome."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.claims import tripping_bills, write_month
from reaudit import python_engine
from reaudit.chunks import split_problems
from reaudit.duckdb_engine import DuckDBEngine
from reaudit.job import run_audit
from reaudit.readers import bills_table
from tests.validators.test_properties import CATALOG, bills
from validators import validate
from validators.registry import RULES


@pytest.fixture(scope="module")
def duck():
    engine = DuckDBEngine(CATALOG, threads=2)
    yield engine
    engine.close()


def _both(tmp_path, source, **options):
    out = {}
    for engine in ("python", "duckdb"):
        target = tmp_path / f"{engine}.parquet"
        summary = run_audit([source], CATALOG, target, engine=engine, progress=False, **options)
        out[engine] = (pq.read_table(target).to_pylist(), summary.as_dict())
    return out


def _same_summary(a: dict, b: dict) -> None:
    for key in ("engine", "elapsed_seconds", "fallback_rules"):
        a.pop(key), b.pop(key)
    assert a == b


def test_a_month_that_trips_every_rule_gets_the_same_findings_from_both_engines(tmp_path):
    source = tmp_path / "month.ndjson"
    source.write_text("\n".join(json.dumps(b, ensure_ascii=False) for b in tripping_bills(CATALOG, 1500)) + "\n",
                      encoding="utf-8")
    out = _both(tmp_path, source, chunk_rows=3000)  # several chunks, cut between bills
    python_rows, duckdb_rows = out["python"][0], out["duckdb"][0]
    assert {r["rule"] for r in python_rows} == {rule.id for rule in RULES}
    assert len(python_rows) > 3000
    assert duckdb_rows == python_rows
    _same_summary(out["python"][1], out["duckdb"][1])


def test_a_flat_parquet_month_gets_the_same_findings_and_totals(tmp_path):
    source = tmp_path / "month.parquet"
    write_month(CATALOG, source, 30_000, seed=5)
    out = _both(tmp_path, source, chunk_rows=8000)
    assert out["duckdb"][0] == out["python"][0]
    assert len(out["python"][0]) > 500
    _same_summary(out["python"][1], out["duckdb"][1])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.lists(bills(), min_size=1, max_size=5))
def test_random_bills_get_the_same_findings_from_both_engines(duck, generated):
    data = []
    for i, bill in enumerate(generated):
        body = bill.model_dump(mode="json")
        body["bill_id"] = f"B{i}"
        data.append(body)
    rows, rejected = split_problems(bills_table(data))
    assert rejected.num_rows == 0
    expected_findings, expected_bills = python_engine.judge(rows, CATALOG)
    findings, judged = duck.judge(rows)
    assert findings.to_pylist() == expected_findings.to_pylist()
    assert judged.to_pylist() == expected_bills.to_pylist()
    # and the Python engine over flat rows is the API's engine over the bill as sent
    for i, bill in enumerate(generated):
        report = validate(bill, CATALOG)
        mine = [f for f in expected_findings.to_pylist() if f["bill_id"] == f"B{i}"]
        assert sorted((f["rule"], f["message"], f["amount_at_risk"]) for f in mine) == \
            sorted((f.rule, f.message, f.amount_at_risk) for f in report.findings)
