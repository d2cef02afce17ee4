"""Prometheus metrics: what an operator watches.

With several workers, `pricing-api serve` points `PROMETHEUS_MULTIPROC_DIR` at a fresh folder
before the workers start: each worker writes its samples there and `/metrics` (any worker)
adds them up.  Labels are route templates, rule ids and results — never a path, a code sent by
a client, or anything about a patient.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client import multiprocess as multiprocess_mode

MULTIPROCESS = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))

REQUESTS = Counter("pricing_http_requests_total", "Requests answered, by route template, method and status",
                   ["route", "method", "status"])
LATENCY = Histogram("pricing_http_request_duration_seconds", "Time to answer, by route template", ["route", "method"],
                    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
BILLS = Counter("pricing_bills_validated_total", "Bills (encounters) judged, by endpoint", ["endpoint"])
LINES = Counter("pricing_bill_lines_validated_total", "Bill lines judged, by endpoint", ["endpoint"])
FINDINGS = Counter("pricing_findings_total", "Findings reported, by rule and result", ["rule", "result"])
AT_RISK = Counter("pricing_money_at_risk_yuan_total", "Money at risk reported (yuan), by rule", ["rule"])
CATALOG_VERSION = Gauge("pricing_catalog_version", "The price snapshot each worker serves", multiprocess_mode="max")
CATALOG_REFRESHED = Gauge("pricing_catalog_last_refresh_timestamp_seconds",
                          "When a worker last confirmed its snapshot against the database (age: time() − this)",
                          multiprocess_mode="min")
DB_ERRORS = Counter("pricing_db_errors_total", "Database calls that failed, by kind (timeout, outage, refused)", ["kind"])
DB_POOL_IN_USE = Gauge("pricing_db_pool_connections_in_use", "Connections checked out of the pool",
                       multiprocess_mode="livesum")


_NOTHING = Decimal(0)


@functools.cache
def child(metric: Any, *labels: str) -> Any:
    """`metric.labels(*labels)`, looked up once: `labels()` checks and locks on every call, which
    on the hot paths cost more than the counting.  The label sets are few (routes, rules)."""
    return metric.labels(*labels)


def record_report(endpoint: str, lines: int, findings: Sequence[Any]) -> None:
    """One judged bill: its lines, and each finding with its money at risk."""
    child(BILLS, endpoint).inc()
    child(LINES, endpoint).inc(lines)
    # Added up per rule first: each inc() takes a lock, and a bill's findings share few rules.
    counts: dict[tuple[str, str], int] = {}
    money: dict[str, Decimal] = {}
    for finding in findings:
        key = (finding.rule, finding.result.label)
        counts[key] = counts.get(key, 0) + 1
        at_risk: Decimal = finding.amount_at_risk
        if at_risk:
            money[finding.rule] = money.get(finding.rule, _NOTHING) + at_risk
    for (rule, result), times in counts.items():
        child(FINDINGS, rule, result).inc(times)
    for rule, amount in money.items():
        child(AT_RISK, rule).inc(float(amount))


def record_catalog(version: str) -> None:
    if version.isdigit():
        CATALOG_VERSION.set(int(version))
    CATALOG_REFRESHED.set(time.time())


def exposition() -> tuple[bytes, str]:
    """The samples of every worker (multiprocess) or of this process."""
    if MULTIPROCESS:
        registry = CollectorRegistry()
        multiprocess_mode.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    from prometheus_client import REGISTRY

    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def worker_exited(pid: int) -> None:
    """Drop a dead worker's live gauges (called by the server when a worker stops)."""
    if MULTIPROCESS:
        multiprocess_mode.mark_process_dead(pid)
