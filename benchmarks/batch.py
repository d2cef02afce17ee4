"""Batch re-audit throughput: lines per second end to end (read the Parquet file, judge every
line, write the findings) per engine, beside a bare DuckDB query in the same run; peak memory of
each run; the impact report of a draft on a month.

    python benchmarks/batch.py --lines 20000000 [--engines duckdb,python,spark] [--python-lines 300000]
                               [--threads 2] [--impact-lines 1000000]

Months are generated from the real tables (benchmarks/claims.py: a realistic mix, ~5% of lines
breaking some rule, 12 hospitals of three grades) and kept under /tmp between runs.  Each
measurement runs in its own process, so its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.catalogs import real_catalog  # noqa: E402
from benchmarks.claims import write_month  # noqa: E402

BARE_SQL = """
COPY (
    SELECT c.bill_id, c.line_id, c.code, c.unit_price, p.price
    FROM read_parquet('{file}') c
    JOIN prices p ON p.code = c.code AND p.grade = c.hospital_grade AND c.service_date BETWEEN p.valid_from AND p.valid_to
    WHERE c.unit_price > p.price
) TO '{out}' (FORMAT parquet)
"""


def month(lines: int, seed: int = 14) -> Path:
    path = Path(f"/tmp/claims-{lines}-{seed}.parquet")
    if not path.exists():
        started = time.perf_counter()
        write_month(real_catalog(), path, lines, seed=seed)
        print(f"generated {path} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return path


def _bare(path: Path, threads: int) -> dict:
    """Join each line to its grade's price in effect and keep the over-priced ones: nothing else."""
    import duckdb
    import pyarrow as pa

    catalog = real_catalog()
    rows = []
    for code in catalog.codes():
        for entry in catalog.history(code):
            for grade in ("grade_3a", "grade_3b", "grade_2_or_below"):
                price = entry.item.price_for(grade)  # type: ignore[arg-type]
                if price is not None:
                    rows.append({"code": code, "grade": grade, "valid_from": entry.effective_from,
                                 "valid_to": entry.effective_to or dt.date(9999, 12, 31), "price": Decimal(price)})
    con = duckdb.connect(config={"threads": threads})
    con.register("prices_arrow", pa.Table.from_pylist(rows))
    con.execute("CREATE TABLE prices AS SELECT code, grade, valid_from, valid_to, CAST(price AS DECIMAL(18,4)) AS price "
                "FROM prices_arrow")
    out = "/tmp/bare-findings.parquet"
    started = time.perf_counter()
    con.execute(BARE_SQL.format(file=path, out=out))
    elapsed = time.perf_counter() - started
    found = con.execute(f"SELECT count(*) FROM '{out}'").fetchall()[0][0]
    return {"elapsed": elapsed, "findings": found}


def _engine(path: Path, engine: str, threads: int) -> dict:
    from reaudit.job import run_audit

    catalog = real_catalog()
    out = Path(f"/tmp/findings-{engine}.parquet")
    started = time.perf_counter()
    summary = run_audit([path], catalog, out, engine=engine, progress=False, threads=threads,
                        spark_master=f"local[{threads}]")
    elapsed = time.perf_counter() - started
    data = summary.as_dict()
    return {"elapsed": elapsed, "findings": data["findings"], "bills": data["bills"], "lines": data["lines"]}


def _impact(path: Path) -> dict:
    from price_tables.catalog import Catalog, NoticeVersion
    from price_tables.loader import bundled_notices
    from reaudit.impact import impact

    published = real_catalog()
    notice = bundled_notices()[0]
    # a draft raising every 11号 price by 10% from 2022-01-01
    items = tuple(i.model_copy(update={"prices": i.prices.model_copy(update={
        g: (getattr(i.prices, g) * Decimal("1.1")).quantize(Decimal("0.01")) if getattr(i.prices, g) else None
        for g in ("grade_3a", "grade_3b", "grade_2_or_below")})}) for i in notice.items)
    draft_notice = notice.model_copy(update={"items": items, "meta": notice.meta.model_copy(update={
        "document": "基准〔2022〕1号", "effective_from": dt.date(2022, 1, 1)})})
    draft = Catalog.of([*published.versions, NoticeVersion(99, draft_notice, 99)])
    started = time.perf_counter()
    report = impact([path], published, draft)
    return {"elapsed": time.perf_counter() - started, "lines_moved": report["lines_moved"], "delta": report["delta"]}


def measure(kind: str, path: Path, threads: int) -> dict:
    """Run one measurement in a child process pinned to `threads` cores; its time and peak RSS."""
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    cmd = [sys.executable, __file__, "--child", kind, str(path), "--threads", str(threads)]
    if hasattr(os, "sched_setaffinity"):
        cmd = ["taskset", "-c", ",".join(str(c) for c in range(threads)), *cmd]
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, env=env)
    out, _ = process.communicate()
    result = json.loads(out.decode().strip().splitlines()[-1])
    result["peak_rss_mib"] = round(result.pop("maxrss_kib") / 1024, 1)
    return result


def child(kind: str, path: Path, threads: int) -> None:
    result = _bare(path, threads) if kind == "bare" else _impact(path) if kind == "impact" else _engine(path, kind, threads)
    # the child's own peak, plus its children (Spark's JVM)
    result["maxrss_kib"] = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                            + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=20_000_000)
    parser.add_argument("--python-lines", type=int, default=300_000, help="the Python engine on a smaller month")
    parser.add_argument("--spark-lines", type=int, default=2_000_000)
    parser.add_argument("--impact-lines", type=int, default=1_000_000)
    parser.add_argument("--engines", default="duckdb,python,spark")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--child", nargs=2, metavar=("KIND", "FILE"))
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]), args.threads)
        return
    rows = []
    sizes = {"duckdb": args.lines, "python": args.python_lines, "spark": args.spark_lines}
    for engine in args.engines.split(","):
        path = month(sizes[engine])
        bare = measure("bare", path, args.threads)
        result = measure(engine, path, args.threads)
        rows.append((engine, sizes[engine], result, bare))
        print(f"{engine:<7} {sizes[engine]:>11,} lines: {sizes[engine] / result['elapsed']:>12,.0f} lines/s end to end "
              f"({result['elapsed']:.2f} s, {result['findings']:,} findings, peak RSS {result['peak_rss_mib']} MiB); "
              f"bare query {sizes[engine] / bare['elapsed']:,.0f} lines/s ({bare['elapsed']:.2f} s); "
              f"ratio {result['elapsed'] / bare['elapsed']:.1f}× the bare query's time", flush=True)
    if args.impact_lines:
        result = measure("impact", month(args.impact_lines), args.threads)
        print(f"impact of a draft (+10% on every 11号 price) on {args.impact_lines:,} lines: {result['elapsed']:.2f} s, "
              f"{result['lines_moved']:,} lines moved, {result['delta']} yuan; peak RSS {result['peak_rss_mib']} MiB")


if __name__ == "__main__":
    main()
