"""The DuckDB engine's findings are the Python engine's, row for row and to the cent: every
column of the findings file, messages included, every bill's totals and outcome, and every
rejected row."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.claims import reference_for, tripping_bills, write_month
from reaudit import python_engine, results
from reaudit.chunks import split_problems
from reaudit.duckdb_engine import DuckDBEngine
from reaudit.findings import ORDER
from reaudit.job import connect, run_audit
from reaudit.readers import bills_table
from reaudit.sql import SQL_RULES
from tests.validators.test_properties import CATALOG, bills
from validators import validate
from validators.bill import Bill
from validators.registry import RULES

# A hospital registry and code maps (hospitals' own codes, national codes, the province's map).
REFERENCE = reference_for(CATALOG)


@pytest.fixture(scope="module")
def duck():
    engine = DuckDBEngine(CATALOG, connect(threads=2), reference=REFERENCE)
    yield engine
    engine.con.close()


def _both(tmp_path, source, **options):
    out = {}
    for engine in ("python", "duckdb"):
        target = tmp_path / f"{engine}.parquet"
        summary = run_audit([source], CATALOG, target, engine=engine, progress=False, reference=REFERENCE, **options)
        rejected = tmp_path / f"{engine}.rejected.csv"
        out[engine] = (pq.read_table(target).to_pylist(), summary.as_dict(),
                       rejected.read_text(encoding="utf-8-sig") if rejected.exists() else None)
    return out


def _same_summary(a: dict, b: dict) -> None:
    for key in ("engine", "elapsed_seconds", "fallback_rules", "rejected_file"):
        a.pop(key), b.pop(key)
    assert a == b


def test_every_registered_rule_has_sql():
    assert [rule.id for rule in RULES if rule.id not in SQL_RULES] == []


def test_a_month_that_trips_every_rule_gets_the_same_findings_from_both_engines(tmp_path):
    source = tmp_path / "month.ndjson"
    source.write_text("\n".join(json.dumps(b, ensure_ascii=False) for b in tripping_bills(CATALOG, 1500)) + "\n",
                      encoding="utf-8")
    out = _both(tmp_path, source)
    python_rows, duckdb_rows = out["python"][0], out["duckdb"][0]
    assert {r["rule"] for r in python_rows} == {rule.id for rule in RULES}
    # and the branches issues 13 and 12 added: sessions, consumables in 内涵, tiers, names the tables
    # composed; an unknown sex or grade
    assert {(r["rule"], r["result"]) for r in python_rows} >= {
        ("MUTUALLY_EXCLUSIVE", "suspect"), ("DUPLICATE_CHARGE", "suspect"), ("DURATION_TIER_MISMATCH", "suspect"),
        ("DURATION_TIER_MISMATCH", "violation"), ("NAME_MISMATCH", "info"), ("ADDON_WITHOUT_BASE", "suspect"),
        ("SEX_RESTRICTED", "info"), ("GRADE_RESTRICTED", "suspect")}
    assert any("耗材编码" in r["message"] for r in python_rows)
    assert len(python_rows) > 10_000
    assert duckdb_rows == python_rows
    _same_summary(out["python"][1], out["duckdb"][1])


def test_a_flat_parquet_month_gets_the_same_findings_and_totals(tmp_path):
    source = tmp_path / "month.parquet"
    write_month(CATALOG, source, 60_000, seed=5)
    out = _both(tmp_path, source)
    assert out["duckdb"][0] == out["python"][0]
    assert {"DUPLICATE_CHARGE", "PRICE_ABOVE_STANDARD", "NAME_MISMATCH"} <= {r["rule"] for r in out["python"][0]}
    _same_summary(out["python"][1], out["duckdb"][1])


_FLAT = ("bill_id,fixmedins_code,hospital_grade,birth_date,sex,encounter_type,admitted_on,discharged_on,"
         "line_id,code,name,service_date,quantity,unit,unit_price,amount,main_line_id,history,category,material_code")


def test_rows_and_bills_that_cannot_be_judged_are_rejected_alike(tmp_path):
    head = "H1,三甲,1950-01-01,F,inpatient,2022-03-01,2022-03-10"
    rows = [
        f"OK,{head},1,33150700500,人工全髋关节置换术,2022-03-02,1,次,5000,5000,,,,",
        f"OK,{head},2,12160000100,导尿,2022-03-02,1,次,10,10,,,,",
        f"OK,{head},3,C9,一次性导尿管,2022-03-02,1,个,8,8,,,material,HC01",
        f"OK,{head},4,31060200800,,2022-03-03,2,,abc,,,,,",  # a cell that is not a number
        f"TWICE,{head},7,31060200800,,2022-03-03,1,,10,10,,,,",
        f"TWICE,{head},7,31060200800,,2022-03-04,1,,10,10,,,,",  # line id twice
        "MIXED,H1,三甲,1950-01-01,F,inpatient,2022-03-01,2022-03-10,1,31060200800,,2022-03-03,1,,10,10,,,,",
        "MIXED,H2,三甲,1950-01-01,F,inpatient,2022-03-01,2022-03-10,2,31060200800,,2022-03-03,1,,10,10,,,,",
        f"ORPHAN,{head},1,31060200800,,2022-03-03,1,,10,10,9,,,",
        f"ONLYHISTORY,{head},1,31060200800,,2022-03-03,1,,10,10,,true,,",
        "BIRTH,H1,三甲,2022-03-05,F,inpatient,2022-03-01,2022-03-10,1,31060200800,,2022-03-03,1,,10,10,,,,",
        "GRADE,H1,四甲,1950-01-01,F,outpatient,,,1,31060200800,,2022-03-03,1,,10,10,,,,",
    ]
    source = tmp_path / "month.csv"
    source.write_text(_FLAT + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    out = _both(tmp_path, source)
    assert out["duckdb"][0] == out["python"][0]
    assert out["duckdb"][2] == out["python"][2]
    rejected = out["python"][2]
    for reason in ("无法识别的值 abc", "line_id 重复", "单据级字段", "main_line_id 不在本单据中", "只有 history 行",
                   "晚于服务日期", "未知医院等级"):
        assert reason in rejected
    assert {r["rule"] for r in out["python"][0]} >= {"PRICE_ABOVE_STANDARD", "DUPLICATE_CHARGE"}
    _same_summary(out["python"][1], out["duckdb"][1])


def test_a_rule_without_sql_runs_through_the_python_fallback_and_is_named(tmp_path, monkeypatch):
    source = tmp_path / "month.ndjson"
    source.write_text("\n".join(json.dumps(b, ensure_ascii=False) for b in tripping_bills(CATALOG, 200, seed=3)) + "\n",
                      encoding="utf-8")
    monkeypatch.delitem(SQL_RULES, "DURATION_TIER_MISMATCH")
    out = _both(tmp_path, source)
    assert "DURATION_TIER_MISMATCH" in {r["rule"] for r in out["python"][0]}
    assert out["duckdb"][0] == out["python"][0]
    assert out["duckdb"][1]["fallback_rules"] == ["DURATION_TIER_MISMATCH"]


@st.composite
def _bills_with_consumables(draw):
    """Random bills (tests/validators/test_properties.py) as a batch file would carry them: their
    material and drug lines sometimes with a material code, some lines with the hospital's or a
    national code (`REFERENCE` maps some), some bills from a registered hospital, without a grade
    or with an unknown sex."""
    data = []
    for i, bill in enumerate(draw(st.lists(bills(), min_size=1, max_size=5))):
        body = bill.model_dump(mode="json", exclude_none=True)
        body["bill_id"] = f"B{i}"
        body["hospital"] = draw(st.sampled_from([
            body["hospital"], {**body["hospital"], "fixmedins_code": "H330800000"}, {"fixmedins_code": "H330800007"},
            {"fixmedins_code": "H999"}, {}]))
        if draw(st.integers(0, 5)) == 0:
            body["patient"]["sex"] = "9"
        for line in body["lines"] + body["history"]:
            if line.get("category") in ("material", "drug") and draw(st.booleans()):
                line["material_code"] = draw(st.sampled_from(["C01", "HC0203"]))
            if draw(st.integers(0, 3)) == 0:
                line[draw(st.sampled_from(["hilist_code", "hosplist_code"]))] = draw(st.sampled_from(
                    [f"HX-{line['code']}", f"N{line['code']}", f"PROV-{line['code']}", "HX-NONE"]))
                if draw(st.booleans()):
                    del line["code"]
        data.append(body)
    return data


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(_bills_with_consumables())
def test_random_bills_get_the_same_findings_from_both_engines(duck, data):
    rows = bills_table(data)
    good, rejected = split_problems(rows)
    assert rejected.num_rows == 0
    expected_findings, expected_bills = python_engine.judge(good, CATALOG, reference=REFERENCE)
    con = duck.con
    con.register("_rows", rows)
    con.execute("CREATE OR REPLACE TABLE example AS SELECT * FROM _rows")
    con.unregister("_rows")
    con.execute("CREATE OR REPLACE VIEW lines AS SELECT * FROM example")
    duck.audit()
    findings = results.fetch(con, "findings").sort_by([(k, "ascending") for k in ORDER])
    judged = results.fetch(con, "bill_results").sort_by("bill_row")
    assert findings.to_pylist() == expected_findings.to_pylist()
    assert judged.to_pylist() == expected_bills.to_pylist()
    # and the Python engine over flat rows is the API's engine over the bill as sent
    for i, body in enumerate(data):
        report = validate(Bill.model_validate(body), CATALOG, REFERENCE)
        mine = [f for f in expected_findings.to_pylist() if f["bill_id"] == f"B{i}"]
        assert sorted((f["rule"], f["message"], f["amount_at_risk"]) for f in mine) == \
            sorted((f.rule, f.message, f.amount_at_risk) for f in report.findings)
