"""Look-up latency, p50/p99, on the real tables and on a generated 10,000-item catalog.

    python benchmarks/lookup.py            # in-process: service call + JSON serialisation
    python benchmarks/lookup.py --http     # also through the full HTTP stack (in-process ASGI)

Figures go to docs/performance.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.catalogs import generated_catalog, real_catalog  # noqa: E402
from price_tables.grades import Grade  # noqa: E402
from pricing_api.services.items import item_detail, search_items  # noqa: E402

ON = dt.date(2022, 3, 1)


def percentiles(samples: list[float]) -> str:
    samples = sorted(samples)
    p50 = samples[len(samples) // 2]
    p99 = samples[min(len(samples) - 1, int(len(samples) * 0.99))]
    return f"p50 {p50 * 1e3:7.3f} ms   p99 {p99 * 1e3:7.3f} ms   (n={len(samples)})"


def timed(fn, args_list) -> list[float]:
    out = []
    for args in args_list:
        start = time.perf_counter()
        fn(*args)
        out.append(time.perf_counter() - start)
    return out


def run_in_process(name, catalog, n):
    rng = random.Random(1)
    codes = catalog.codes()
    code_args = [(catalog, rng.choice(codes), ON, Grade.GRADE_3A) for _ in range(n)]
    detail = lambda c, code, on, g: item_detail(c, code, as_of=on, grade=g).model_dump_json()  # noqa: E731
    timed(detail, code_args[:200])  # warm-up
    print(f"{name:<22} code look-up   {percentiles(timed(detail, code_args))}")
    queries = ["3315", "全髋", "gmxg", "dq", "guanmai", "检查", "zzz"]
    search_args = [(catalog, rng.choice(queries)) for _ in range(n)]
    search = lambda c, q: search_items(c, q=q, grade=Grade.GRADE_3A, as_of=ON, limit=20).model_dump_json()  # noqa: E731
    timed(search, search_args[:50])
    print(f"{name:<22} search (q=…)   {percentiles(timed(search, search_args))}")


def run_http(n):
    from fastapi.testclient import TestClient

    from pricing_api.app import create_app
    from pricing_api.settings import Settings

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite:///{tmp}/bench.sqlite3", catalog_refresh_seconds=2)
        with TestClient(create_app(settings)) as client:
            for label, url in (("code look-up", "/v1/items/33150700500?as_of=2022-03-01&grade=grade_3a"),
                               ("search q=gmxg", "/v1/items?q=gmxg&as_of=2022-03-01")):
                timed(client.get, [(url,)] * 100)
                print(f"{'real tables, HTTP':<22} {label:<14} {percentiles(timed(client.get, [(url,)] * n))}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=5000)
    parser.add_argument("--http", action="store_true")
    args = parser.parse_args()
    run_in_process("real tables (108)", real_catalog(), args.n)
    run_in_process("generated (10,000)", generated_catalog(10_000), args.n)
    if args.http:
        run_http(args.n)


if __name__ == "__main__":
    main()
