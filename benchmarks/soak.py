"""Sustained load at a fixed rate: zero errors and flat memory over minutes.

    python benchmarks/soak.py --rate 1000 --minutes 5 [--lines 10]

Starts one uvicorn worker (core 0) on a temporary SQLite database and, from this process on
core 1, sends `POST /v1/bills/validate` at a fixed rate over keep-alive connections on
loopback (an open-loop generator: requests are scheduled by the clock, not by the previous
answer).  Reports requests, errors, latency percentiles, and the server's RSS at the start and
at the end (and its peak), sampled every 10 s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.endpoint import bill_body, make_his_key  # noqa: E402


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


async def connection(port: int, request: bytes, queue: asyncio.Queue, latencies: list, errors: list):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    while True:
        scheduled = await queue.get()
        if scheduled is None:
            writer.close()
            return
        try:
            writer.write(request)
            await writer.drain()
            status_line = await reader.readline()
            length = 0
            while (header := await reader.readline()) not in (b"\r\n", b""):
                if header.lower().startswith(b"content-length:"):
                    length = int(header.split(b":")[1])
            await reader.readexactly(length)
            latencies.append(time.perf_counter() - scheduled)
            if not status_line.startswith(b"HTTP/1.1 200"):
                errors.append(status_line.decode().strip())
        except (OSError, asyncio.IncompleteReadError) as exc:
            errors.append(repr(exc))
            reader, writer = await asyncio.open_connection("127.0.0.1", port)


async def drive(port: int, request: bytes, rate: float, seconds: float, connections: int, on_tick):
    queue: asyncio.Queue = asyncio.Queue()
    latencies: list[float] = []
    errors: list[str] = []
    workers = [asyncio.create_task(connection(port, request, queue, latencies, errors)) for _ in range(connections)]
    start = time.perf_counter()
    sent = 0
    next_tick = start + 10
    while (now := time.perf_counter()) - start < seconds:
        due = int((now - start) * rate)
        while sent < due:
            queue.put_nowait(start + sent / rate)
            sent += 1
        if now >= next_tick:
            on_tick(now - start, len(latencies), len(errors), queue.qsize())
            next_tick += 10
        await asyncio.sleep(0.001)
    while not queue.empty() and time.perf_counter() - start < seconds + 30:
        await asyncio.sleep(0.05)
    for _ in workers:
        queue.put_nowait(None)
    await asyncio.gather(*workers, return_exceptions=True)
    return sent, latencies, errors, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=1000)
    parser.add_argument("--minutes", type=float, default=5)
    parser.add_argument("--lines", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--port", type=int, default=8941)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {1})
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/soak.sqlite3"
        key = make_his_key(url)
        body = bill_body(args.lines).encode()
        request = (f"POST /v1/bills/validate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                   f"Authorization: Bearer {key}\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
        env = dict(os.environ, PRICING_DATABASE_URL=url, PRICING_LOG_LEVEL="warning")
        server = subprocess.Popen(["taskset", "-c", "0", sys.executable, "-m", "uvicorn", "pricing_api.app:create_app",
                                   "--factory", "--port", str(args.port), "--log-level", "warning", "--no-access-log"],
                                  cwd=ROOT, env=env)
        try:
            for _ in range(100):
                try:
                    if httpx.get(f"http://127.0.0.1:{args.port}/readyz").status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            # Warm up, then take the starting RSS.
            asyncio.run(drive(args.port, request, args.rate, 5, args.connections, lambda *a: None))
            rss_start = rss_kib(server.pid)
            peak = [rss_start]

            def tick(elapsed, done, errors, backlog):
                rss = rss_kib(server.pid)
                peak[0] = max(peak[0], rss)
                print(f"  {elapsed:6.0f} s  {done:>9} answered  {errors} errors  backlog {backlog}  RSS {rss / 1024:.1f} MiB",
                      flush=True)

            sent, latencies, errors, elapsed = asyncio.run(
                drive(args.port, request, args.rate, args.minutes * 60, args.connections, tick))
            rss_end = rss_kib(server.pid)
        finally:
            server.terminate()
            server.wait()
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(len(latencies) * q))] * 1000  # noqa: E731
    print(f"rate {args.rate:.0f}/s for {args.minutes:g} min, {args.lines}-line bill: sent {sent}, answered {len(latencies)}, "
          f"errors {len(errors)}{' ' + str(errors[:3]) if errors else ''}")
    print(f"achieved {len(latencies) / elapsed:.0f} req/s; latency p50 {pick(0.5):.2f} ms, p99 {pick(0.99):.2f} ms, "
          f"max {latencies[-1] * 1000:.1f} ms, mean {statistics.fmean(latencies) * 1000:.2f} ms")
    print(f"server RSS: start {rss_start / 1024:.1f} MiB, end {rss_end / 1024:.1f} MiB, peak {peak[0] / 1024:.1f} MiB")


if __name__ == "__main__":
    main()
