"""Engine throughput: bill lines judged per second on one core (bills already parsed).

    python benchmarks/engine.py [--lines-per-bill 50] [--bills 2000]

The workload is generated from the real tables: each line takes a random item of the
catalog in effect, charged at its standard price or (one line in ten) 10% above it, with
history lines and frequency-capped items mixed in.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.catalogs import real_catalog  # noqa: E402
from validators import validate  # noqa: E402
from validators.bill import Bill  # noqa: E402


def make_bills(catalog, bills: int, lines_per_bill: int, seed: int = 3, clean: bool = False) -> list[Bill]:
    """`clean`: only items whose sole rule is their price, all charged at standard — the
    floor cost of a line that passes.  Otherwise a mix over the whole catalog."""
    rng = random.Random(seed)
    items = [catalog.latest(c).item for c in catalog.codes() if not catalog.latest(c).item.self_priced]
    if clean:
        items = [i for i in items if not i.rules]
    out = []
    for b in range(bills):
        lines = []
        for k in range(lines_per_bill):
            item = rng.choice(items)
            price = item.prices.grade_3a * (Decimal("1.1") if k % 10 == 0 and not clean else 1)
            lines.append({"line_id": str(k), "code": item.code, "name": item.name, "unit": item.unit,
                          "service_date": f"2022-03-{1 + k % 28:02d}", "quantity": "1",
                          "unit_price": str(price), "amount": str(price)})
        out.append(Bill.model_validate({
            "bill_id": f"B{b}", "hospital": {"grade": "grade_3a"},
            "patient": {"birth_date": "1970-01-01", "sex": "F"},
            "encounter": {"type": "inpatient", "admitted_on": "2022-03-01", "discharged_on": "2022-03-31"},
            "lines": lines}))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bills", type=int, default=2000)
    parser.add_argument("--lines-per-bill", type=int, default=50)
    parser.add_argument("--clean", action="store_true", help="bills without findings")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})  # one core
    catalog = real_catalog()
    gc.freeze()  # as the service does once its catalog is built: long-lived objects leave the GC's scans
    bills = make_bills(catalog, args.bills, args.lines_per_bill, clean=args.clean)
    for bill in bills[:50]:
        validate(bill, catalog)  # warm-up
    findings = 0
    start = time.perf_counter()
    for bill in bills:
        findings += len(validate(bill, catalog).findings)
    elapsed = time.perf_counter() - start
    lines = args.bills * args.lines_per_bill
    print(f"{lines} lines in {elapsed:.3f} s on one core: {lines / elapsed:,.0f} lines/s "
          f"({'clean' if args.clean else 'mixed'} workload, {args.lines_per_bill} lines a bill, {findings} findings)")


if __name__ == "__main__":
    main()
