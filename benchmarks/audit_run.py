"""An audit run of N million lines on PostgreSQL: judging, storing the findings, and the first
review pages.

    python benchmarks/audit_run.py [--lines 1000000] [--database postgresql://postgres@127.0.0.1:5432/test]

Generates a month of flat claims from the real tables (`benchmarks.claims.write_month`: about 5%
of lines breaking a rule, several hospitals and grades) as Parquet, creates a fresh schema, and
runs what `POST /v1/audits` runs (`pricing_api.audit_runner.execute`, DuckDB engine).  Then times
the queries the review page makes, each the median of 5: the run with its per-hospital, per-rule
and per-stage totals; the first page of findings by amount; a hospital's page; a rule's page; a
deep page; and a 初审 of a whole hospital-and-rule selection by filter.  Prints each query's plan
line showing the index it uses.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.catalogs import real_catalog  # noqa: E402
from benchmarks.claims import write_month  # noqa: E402
from pricing_api import audit_runner  # noqa: E402
from pricing_api.auth import Principal, Role  # noqa: E402
from pricing_api.services import audits as service  # noqa: E402
from pricing_api.services.audit_runs import ReceivedFile, create_run  # noqa: E402
from pricing_api.startup import prepare_database  # noqa: E402
from pricing_api.storage import audits as stored  # noqa: E402
from pricing_api.storage.database import make_engine, normalise_url  # noqa: E402


def timed(fn, repeat: int = 5) -> tuple[float, object]:
    results, durations = None, []
    for _ in range(repeat):
        started = time.perf_counter()
        results = fn()
        durations.append(time.perf_counter() - started)
    return statistics.median(durations) * 1000, results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--database", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(normalise_url(args.database), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(normalise_url(args.database)).update_query_dict({"options": f"-csearch_path={schema}"})
    engine = make_engine(url.render_as_string(hide_password=False), timeout=600)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            catalog = real_catalog()
            source = Path(tmp) / "month.parquet"
            started = time.perf_counter()
            lines = write_month(catalog, source, args.lines, seed=7)
            print(f"generated {lines:,} lines in {time.perf_counter() - started:.1f} s "
                  f"({source.stat().st_size / 1e6:.1f} MB Parquet)")
            prepare_database(engine, load_bundled=False)
            received = ReceivedFile(source, source.name, "0" * 64, source.stat().st_size)
            with Session(engine) as session:
                run = create_run(session, title="benchmark", received=received, engine="duckdb", actor="benchmark")
                session.commit()
            started = time.perf_counter()
            audit_runner.execute(engine, run.id, [source], catalog, catalog_version="bench")
            elapsed = time.perf_counter() - started
            with Session(engine) as session:
                done = stored.get_run(session, run.id)
                assert done is not None and done.state == "done", done and done.error
                stored_findings = done.findings_count
                timing = done.summary
            print(f"run: {lines:,} lines judged and {stored_findings:,} findings stored in {elapsed:.1f} s "
                  f"(judging {timing['judge_seconds']} s, storing {timing['store_seconds']} s)")

            with Session(engine) as session:
                detail_ms, detail = timed(lambda: service.run_detail(session, run.id))
                hospital = detail.hospitals[0].key
                rule = detail.rules[0].key
                pages = {
                    "run with totals per hospital, rule, stage": detail_ms,
                    "findings, first page by amount": timed(lambda: service.findings_of(
                        session, run.id, stored.FindingFilter(), sort="amount", limit=50, offset=0))[0],
                    "one hospital's first page": timed(lambda: service.findings_of(
                        session, run.id, stored.FindingFilter(fixmedins_code=hospital), sort="amount", limit=50,
                        offset=0))[0],
                    "one rule's first page": timed(lambda: service.findings_of(
                        session, run.id, stored.FindingFilter(rule=rule), sort="amount", limit=50, offset=0))[0],
                    "page 200 (offset 10,000)": timed(lambda: service.findings_of(
                        session, run.id, stored.FindingFilter(), sort="amount", limit=50, offset=10_000))[0],
                }
                for name, ms in pages.items():
                    print(f"  {name:<45} {ms:8.1f} ms")
                plan = session.execute(text(
                    "EXPLAIN SELECT * FROM audit_finding WHERE run_id = :r ORDER BY at_risk_cents DESC, id DESC LIMIT 50"),
                    {"r": run.id}).scalars().all()
                print("  plan (first page):", " / ".join(line.strip() for line in plan[:3]))
            reviewer = Principal(key_id=1, prefix="bench", role=Role.AUDITOR, name="benchmark")
            with Session(engine) as session:
                started = time.perf_counter()
                result = service.review(session, run.id, reviewer, stage="first", decision="confirmed", comment="",
                                        finding_ids=None,
                                        where=stored.FindingFilter(fixmedins_code=hospital, rule=rule))
                session.commit()
                print(f"  初审 by filter ({hospital}, {rule}): {result['updated']:,} findings in "
                      f"{(time.perf_counter() - started) * 1000:.0f} ms")
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
