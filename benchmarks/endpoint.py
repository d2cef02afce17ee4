"""The validate and 3101 endpoints vs a minimal FastAPI endpoint taking the same bill, one run.

    python benchmarks/endpoint.py [--lines 10] [--seconds 10] [--connections 16] [--clean]

Starts the service as production does (uvicorn with httptools and uvloop, one worker pinned to
core 0, a temporary SQLite database) with one extra route, `POST /bench/minimal`: a plain
pydantic model of the bill, no authentication, a small JSON answer — FastAPI's own default
handling of the body.  wrk drives it from core 1 over loopback: each endpoint twice,
alternating, after a warm-up.  Prints requests/s and latency, and the ratios.  The 3101 body
carries the same bill as one patient, one encounter, its lines as orders.
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
    return bill.model_dump_json(exclude_none=True)


def national_body(bill_json: str) -> str:
    """The same bill as a 3101 request (medins_lv 02: 三甲, as the bill's grade)."""
    bill = json.loads(bill_json)
    orders = [{"rx_id": ln["line_id"], "rxno": f"RX{ln['line_id']}", "hilist_type": "201", "hilist_code": ln["code"],
               "hilist_name": ln.get("name"), "cnt": ln["quantity"], "pric": ln["unit_price"], "sumamt": ln.get("amount"),
               "drord_begn_date": f"{ln['service_date']} 09:00:00", "curr_drord_flag": "1"} for ln in bill["lines"]]
    encounter = bill["encounter"]
    return json.dumps({"infno": "3101", "msgid": "BENCH0001", "fixmedins_code": "H-BENCH", "inf_time": "2022-03-01 09:00:00",
                       "input": {"data": {"trig_scen": "4", "patient_dtos": [{
                           "patn_id": "P1", "gend": "2", "brdy": bill["patient"]["birth_date"],
                           "fsi_encounter_dtos": [{"mdtrt_id": bill["bill_id"], "medins_lv": "02", "med_mdtrt_type": "2",
                                                   "adm_date": f"{encounter['admitted_on']} 08:00:00",
                                                   "dscg_date": f"{encounter['discharged_on']} 10:00:00",
                                                   "fsi_order_dtos": orders}]}]}}}, ensure_ascii=False)


def run_wrk(url: str, body_file: Path, seconds: int, connections: int, key: str, cores: str | None = "1") -> dict:
    """wrk against `url` with the body in `body_file`; pinned to `cores` (None: anywhere)."""
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
    pin = ["taskset", "-c", cores] if cores else []
    out = subprocess.run([*pin, "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "-s", str(script), url],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(re.search(r"^JSON (.*)$", out, re.M).group(1))


def make_his_key(url: str) -> str:
    """Prepare the database (as the service's first start would) and make an `his` key."""
    from tests.conftest import prepared_database_key

    return prepared_database_key(url, "his", "benchmark")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=10)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--port", type=int, default=8931)
    parser.add_argument("--clean", action="store_true", help="a bill without findings (default: random catalog items)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        body = Path(tmp) / "bill.json"
        body.write_text(bill_body(args.lines, args.clean), encoding="utf-8")
        national = Path(tmp) / "national.json"
        national.write_text(national_body(body.read_text(encoding="utf-8")), encoding="utf-8")
        env = dict(os.environ, PRICING_DATABASE_URL=f"sqlite:///{tmp}/bench.sqlite3", PRICING_LOG_LEVEL="warning")
        key = make_his_key(env["PRICING_DATABASE_URL"])
        server = subprocess.Popen(
            ["taskset", "-c", "0", sys.executable, "-m", "uvicorn", "benchmarks.bench_app:create_bench_app", "--factory",
             "--port", str(args.port), "--http", "httptools", "--loop", "uvloop", "--log-level", "warning",
             "--no-access-log"], cwd=ROOT, env=env)
        try:
            base = f"http://127.0.0.1:{args.port}"
            for _ in range(100):
                try:
                    if httpx.get(base + "/readyz").status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            headers = {"content-type": "application/json", "authorization": f"Bearer {key}"}
            check = httpx.post(base + "/v1/bills/validate", content=body.read_bytes(), headers=headers).json()
            answer = httpx.post(base + "/v1/nhsa/3101", content=national.read_bytes(), headers=headers).json()
            print(f"{args.lines}-line bill: outcome {check['outcome']}, {len(check['findings'])} findings; "
                  f"3101: infcode {answer['infcode']}, {len(answer['output']['result'])} results")
            runs = {"minimal": ("/bench/minimal", body), "validate": ("/v1/bills/validate", body),
                    "minimal-3101": ("/bench/minimal-3101", national), "3101": ("/v1/nhsa/3101", national)}
            results: dict[str, list[float]] = {name: [] for name in runs}
            for _ in range(2):
                for name, (path, payload) in runs.items():
                    run_wrk(base + path, payload, 3, args.connections, key)  # warm-up
                    r = run_wrk(base + path, payload, args.seconds, args.connections, key)
                    results[name].append(r["rps"])
                    print(f"{name:<13} {r['rps']:8.0f} req/s  p50 {r['p50']:6.2f} ms  p99 {r['p99']:6.2f} ms  "
                          f"errors {r['errors']}  non-2xx {r['non2xx']}")
            mean = {name: sum(rps) / len(rps) for name, rps in results.items()}
            print(f"validate / minimal: {mean['validate'] / mean['minimal']:.1%}   "
                  f"3101 / minimal-3101: {mean['3101'] / mean['minimal-3101']:.1%}   "
                  f"3101 / validate (same bill): {mean['3101'] / mean['validate']:.1%}")
        finally:
            server.terminate()
            server.wait()


if __name__ == "__main__":
    main()
