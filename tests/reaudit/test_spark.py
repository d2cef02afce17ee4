"""Spark on local[2] runs the same compiled rules: its findings are the Python engine's.
(Few tests: each starts a JVM.)"""

from __future__ import annotations

import shutil

import pyarrow.parquet as pq
import pytest

from benchmarks.claims import reference_for, tripping_bills, write_month
from reaudit.chunks import split_problems
from reaudit.claims import COLUMN_NAMES
from reaudit.findings import PARQUET_COLUMNS
from reaudit.job import run_audit
from reaudit.readers import bills_table
from tests.validators.test_properties import CATALOG
from validators.registry import RULES

pytestmark = pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs Java")


def _sorted(rows: list[dict]) -> list[tuple]:
    return sorted(tuple(str(r[c]) for c in PARQUET_COLUMNS) for r in rows)


def test_spark_on_local_2_finds_what_the_python_engine_finds(tmp_path):
    lake = tmp_path / "claims"
    lake.mkdir()
    # part 1: bills that trip every rule, written as flat rows; part 2: a realistic month
    rows, rejected = split_problems(bills_table(tripping_bills(CATALOG, 1500)))
    assert rejected.num_rows == 0
    pq.write_table(rows.select(list(COLUMN_NAMES)), lake / "part-1.parquet")
    write_month(CATALOG, lake / "part-2.parquet", 20_000, seed=9)
    files = sorted(lake.glob("*.parquet"))

    reference = reference_for(CATALOG)  # a hospital registry and code maps, sent to the executors
    local = run_audit(files, CATALOG, tmp_path / "python.parquet", engine="python", progress=False, reference=reference)
    spark = run_audit([lake], CATALOG, tmp_path / "spark.parquet", engine="spark", spark_master="local[2]",
                      progress=False, chunk_rows=6000, reference=reference)

    expected = pq.read_table(tmp_path / "python.parquet").to_pylist()
    found = pq.read_table(tmp_path / "spark.parquet").to_pylist()
    assert {r["rule"] for r in expected} == {rule.id for rule in RULES}
    assert _sorted(found) == _sorted(expected)
    a, b = local.as_dict(), spark.as_dict()
    for key in ("bills", "lines", "outcomes", "charged", "at_risk", "findings", "by_rule", "by_item", "rejected_rows"):
        assert a[key] == b[key], key
