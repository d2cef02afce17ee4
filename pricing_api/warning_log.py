"""Warnings the national interface gave, written to the database in batches.

A 3101 answer must not wait for a database write, so its warnings are queued in memory and
a background task stores them every `interval` seconds (and at shutdown); the same warning
twice is stored once — and a warning queued in the last `RECENT` is not queued again, since HIS
systems re-send the same bill (事前, then 事中) and each sending would otherwise cost a row to
write and find already stored.  If the database is away, the queue waits (up to `MAX_PENDING`
rows).
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
RECENT = 200_000


class WarningLog:
    def __init__(self) -> None:
        self._pending: list[dict[str, Any]] = []
        self._recent: dict[str, None] = {}  # jr_ids queued lately, oldest first
        self._lock = threading.Lock()

    def add(self, rows: list[dict[str, Any]]) -> None:
        with self._lock:
            fresh = [row for row in rows if row["jr_id"] not in self._recent]
            if not fresh:
                return
            if len(self._pending) + len(fresh) > MAX_PENDING:
                log.warning("warning log full: %d warnings not recorded", len(fresh))
                return
            self._pending.extend(fresh)
            for row in fresh:
                self._recent[row["jr_id"]] = None
            while len(self._recent) > RECENT:
                del self._recent[next(iter(self._recent))]

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
