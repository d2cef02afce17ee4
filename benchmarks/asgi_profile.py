"""Per-request cost of an endpoint inside the ASGI app, without a server or a socket.

    python benchmarks/asgi_profile.py [--lines 10] [--requests 3000] [--rounds 10] [--profile validate|3101|minimal]

Calls the app's ASGI interface directly in a loop (the same body each time) and prints the
microseconds per request for the minimal endpoints, the validate endpoint and 3101 — rounds
alternating the endpoints, the quickest round of each kept; with --profile, a cProfile of that
endpoint's requests (top functions by own time).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.endpoint import bill_body, national_body  # noqa: E402


async def call(app, path: str, body: bytes, headers: list) -> int:
    sent = False
    status = 0

    async def receive():
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "", "headers": headers,
             "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000), "state": {}}
    await app(scope, receive, send)
    return status


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=10)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--profile", choices=("minimal", "validate", "minimal-3101", "3101"))
    parser.add_argument("--clean", action="store_true")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["PRICING_DATABASE_URL"] = f"sqlite:///{tmp}/p.sqlite3"
        from benchmarks.bench_app import create_bench_app
        from tests.conftest import prepared_database_key

        key = prepared_database_key(os.environ["PRICING_DATABASE_URL"], "his")
        app = create_bench_app()
        bill = bill_body(args.lines, args.clean).encode()
        national = national_body(bill.decode()).encode()
        headers = [(b"content-type", b"application/json"), (b"authorization", f"Bearer {key}".encode()),
                   (b"content-length", b"0")]
        runs = {"minimal": ("/bench/minimal", bill), "validate": ("/v1/bills/validate", bill),
                "minimal-3101": ("/bench/minimal-3101", national), "3101": ("/v1/nhsa/3101", national)}
        async with app.router.lifespan_context(app):
            sized = {name: (path, body, headers[:2] + [(b"content-length", str(len(body)).encode())])
                     for name, (path, body) in runs.items()}
            for name, (path, body, hs) in sized.items():
                assert await call(app, path, body, hs) == 200, name
                for _ in range(200):
                    await call(app, path, body, hs)
            if args.profile:
                path, body, hs = sized[args.profile]
                profile = cProfile.Profile()
                profile.enable()
                for _ in range(args.requests):
                    await call(app, path, body, hs)
                profile.disable()
                pstats.Stats(profile).sort_stats("tottime").print_stats(25)
                return
            # Rounds alternate the endpoints, and each keeps its quickest round: on a shared
            # machine the least disturbed figure is the closest to the code's own cost.
            best: dict[str, float] = {}
            per_round = max(1, args.requests // args.rounds)
            for _ in range(args.rounds):
                for name, (path, body, hs) in sized.items():
                    start = time.perf_counter()
                    for _ in range(per_round):
                        await call(app, path, body, hs)
                    cost = (time.perf_counter() - start) / per_round * 1e6
                    best[name] = min(best.get(name, cost), cost)
            for name, cost in best.items():
                print(f"{name:<13} {cost:7.1f} µs a request")
            print(f"validate / minimal (requests per second): {best['minimal'] / best['validate']:.1%}   "
                  f"3101 / minimal-3101: {best['minimal-3101'] / best['3101']:.1%}")


if __name__ == "__main__":
    asyncio.run(main())
