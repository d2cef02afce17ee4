"""Validate endpoint vs a bare FastAPI endpoint taking the same body, same server, same run.

    python benchmarks/endpoint.py [--lines 10] [--seconds 15] [--connections 16]

Starts uvicorn (one worker, pinned to core 0) on a temporary SQLite database and drives it
with wrk from core 1 over loopback.  Prints requests/s and latency for both, and the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.catalogs import real_catalog  # noqa: E402
from benchmarks.engine import make_bills  # noqa: E402


def bill_body(lines: int, clean: bool = False) -> str:
    [bill] = make_bills(real_catalog(), 1, lines, seed=11, clean=clean)
    return bill.model_dump_json()


def run_wrk(url: str, body_file: Path, seconds: int, connections: int, key: str) -> dict:
    script = body_file.with_suffix(".lua")
    script.write_text(
        'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["Authorization"] = "Bearer {key}"\n'
        f'local f = io.open("{body_file}", "rb")\nwrk.body = f:read("*a")\nf:close()\n'
        'done = function(summary, latency, requests)\n'
        '  io.write(string.format("JSON {\\"rps\\": %f, \\"p50\\": %f, \\"p99\\": %f, \\"errors\\": %d, \\"non2xx\\": %d}\\n",\n'
        '    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,\n'
        '    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,\n'
        '    summary.errors.status))\n'
        'end\n')
    out = subprocess.run(["taskset", "-c", "1", "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-s", str(script), url],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(re.search(r"^JSON (.*)$", out, re.M).group(1))


def make_his_key(url: str) -> str:
    """Prepare the database (as the service's first start would) and make an `his` key."""
    from tests.conftest import prepared_database_key

    return prepared_database_key(url, "his", "benchmark")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=10)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--port", type=int, default=8931)
    parser.add_argument("--clean", action="store_true", help="a bill without findings (default: random catalog items)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        body = Path(tmp) / "bill.json"
        body.write_text(bill_body(args.lines, args.clean), encoding="utf-8")
        env = dict(os.environ, PRICING_DATABASE_URL=f"sqlite:///{tmp}/bench.sqlite3", PRICING_LOG_LEVEL="warning")
        key = make_his_key(env["PRICING_DATABASE_URL"])
        server = subprocess.Popen(
            ["taskset", "-c", "0", sys.executable, "-m", "uvicorn", "benchmarks.bench_app:create_bench_app", "--factory",
             "--port", str(args.port), "--log-level", "warning", "--no-access-log"], cwd=ROOT, env=env)
        try:
            base = f"http://127.0.0.1:{args.port}"
            for _ in range(100):
                try:
                    if httpx.get(base + "/readyz").status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            check = httpx.post(base + "/v1/bills/validate", content=body.read_bytes(),
                               headers={"content-type": "application/json", "authorization": f"Bearer {key}"}).json()
            print(f"{args.lines}-line bill: outcome {check['outcome']}, {len(check['findings'])} findings")
            results = {}
            for name, path in (("bare", "/bench/bare"), ("validate", "/v1/bills/validate"),
                               ("bare ", "/bench/bare"), ("validate ", "/v1/bills/validate")):
                run_wrk(base + path, body, 3, args.connections, key)  # warm-up
                results[name] = r = run_wrk(base + path, body, args.seconds, args.connections, key)
                print(f"{name.strip():<9} {r['rps']:8.0f} req/s  p50 {r['p50']:6.2f} ms  p99 {r['p99']:6.2f} ms  "
                      f"errors {r['errors']}  non-2xx {r['non2xx']}")
            bare = (results["bare"]["rps"] + results["bare "]["rps"]) / 2
            validate = (results["validate"]["rps"] + results["validate "]["rps"]) / 2
            print(f"ratio validate/bare: {validate / bare:.1%}")
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
