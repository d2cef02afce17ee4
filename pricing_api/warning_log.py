"""Warnings the national interface gave, written to the database in batches.

A 3101 answer must not wait for a database write, so its warnings are queued in memory and
a background task stores them every `interval` seconds (and at shutdown); the same warning
twice is stored once.  If the database is away, the queue waits (up to `MAX_PENDING` rows).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import anyio

from pricing_api.services.nhsa import record_warnings
from pricing_api.unit_of_work import Database

log = logging.getLogger(__name__)
MAX_PENDING = 200_000


class WarningLog:
    def __init__(self) -> None:
        self._pending: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def add(self, rows: list[dict[str, Any]]) -> None:
        with self._lock:
            if len(self._pending) + len(rows) <= MAX_PENDING:
                self._pending.extend(rows)
            else:
                log.warning("warning log full: %d warnings not recorded", len(rows))

    def _take(self) -> list[dict[str, Any]]:
        with self._lock:
            rows, self._pending = self._pending, []
        return rows

    async def flush(self, db: Database) -> None:
        rows = self._take()
        if not rows:
            return
        try:
            await db.write(record_warnings, rows)
        except Exception as exc:  # keep them for the next try
            log.warning("warnings not recorded yet: %s", type(exc).__name__)
            with self._lock:
                self._pending = rows + self._pending

    async def run(self, db: Database, interval: float = 1.0) -> None:
        try:
            while True:
                await anyio.sleep(interval)
                await self.flush(db)
        finally:
            with anyio.CancelScope(shield=True):
                await self.flush(db)
