"""Throughput of `pricing-api serve` with 1 worker and with 2, in one run.

    python benchmarks/workers.py [--lines 10] [--seconds 10] [--connections 32]

Starts the production command (`pricing-api serve --workers N`: uvicorn with httptools and
uvloop, JSON logs, metrics) on a temporary SQLite database, and drives `POST /v1/bills/validate`
with wrk, unpinned: the server and wrk share the machine's cores, so on a 2-core machine the
two workers also share theirs with the load generator.  Each setting runs twice, alternating.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.endpoint import bill_body, make_his_key, run_wrk  # noqa: E402


def serve(workers: int, port: int, env: dict[str, str]) -> subprocess.Popen:
    server = subprocess.Popen([sys.executable, "-m", "pricing_api.cli", "serve", "--port", str(port),
                               "--workers", str(workers)], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    seen: set[int] = set()
    deadline = time.monotonic() + 60
    while len(seen) < workers:  # every worker up (a new connection each time: any may answer)
        assert time.monotonic() < deadline, "workers did not come up"
        try:
            seen.add(httpx.get(base + "/readyz", headers={"Connection": "close"}).json()["worker"])
        except httpx.HTTPError:
            time.sleep(0.2)
    return server


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=10)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--port", type=int, default=8941)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        body = Path(tmp) / "bill.json"
        body.write_text(bill_body(args.lines), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
        env.update(PRICING_DATABASE_URL=f"sqlite:///{tmp}/bench.sqlite3", PRICING_LOG_LEVEL="warning")
        key = make_his_key(env["PRICING_DATABASE_URL"])
        results: dict[int, list[float]] = {1: [], 2: []}
        for _ in range(2):
            for workers in (1, 2):
                server = serve(workers, args.port, env)
                try:
                    url = f"http://127.0.0.1:{args.port}/v1/bills/validate"
                    run_wrk(url, body, 3, args.connections, key, cores=None)  # warm-up
                    r = run_wrk(url, body, args.seconds, args.connections, key, cores=None)
                    results[workers].append(r["rps"])
                    print(f"{workers} worker(s): {r['rps']:8.0f} req/s  p50 {r['p50']:6.2f} ms  p99 {r['p99']:6.2f} ms  "
                          f"errors {r['errors']}  non-2xx {r['non2xx']}")
                finally:
                    server.terminate()
                    server.wait()
        mean = {n: sum(v) / len(v) for n, v in results.items()}
        print(f"{os.cpu_count()} cores; 2 workers / 1 worker: {mean[2] / mean[1]:.2f}×")


if __name__ == "__main__":
    main()
