"""Units of work: every write path (API, pages, CLI) goes through one.

`UnitOfWork` is one transaction: services add and flush; only `commit()` makes their work
permanent, and it then calls `on_commit` (the worker reloads its catalog and key table at
once, so a writer sees its own publish or revocation without waiting for the background
poll).  Leaving without `commit()` rolls back.

`Database` is how a request reaches the database: `await db.read(fn, …)` / `await db.write(fn, …)`
run `fn(session, …)` in a worker thread, never on the event loop, and give up after
`timeout` seconds with a 503 — so a database that stops answering costs the requests that need
it a few seconds each, while liveness and everything served from memory keep answering.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import TracebackType
from typing import Any, TypeVar

import anyio
from sqlalchemy.engine import Engine
from sqlmodel import Session

from pricing_api.errors import ServiceUnavailable
from pricing_api.metrics import DB_ERRORS

log = logging.getLogger(__name__)
T = TypeVar("T")
OUTAGE_MESSAGE = "数据库暂时不可用，请稍后重试"


class UnitOfWork:
    def __init__(self, engine: Engine, on_commit: Callable[[], Any] | None = None):
        self.session = Session(engine)
        self._on_commit = on_commit

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.session.close()  # rolls back whatever was not committed

    def commit(self) -> None:
        self.session.commit()
        if self._on_commit is not None:
            self._on_commit()


class Database:
    """The request side's door to the database (see the module docstring)."""

    def __init__(self, engine: Engine, *, timeout: float, threads: int, on_commit: Callable[[], Any] | None = None,
                 bulk_timeout: float = 120.0):
        self.engine = engine
        self.bulk_timeout = bulk_timeout
        #: Run after every commit (the worker reloads what the write changed: catalog, keys).
        self.on_commit = on_commit
        self.timeout = timeout
        # Database work has threads of its own, so a stuck database cannot take the threads
        # that CPU work (large bills, uploads) runs on.
        self._limiter = anyio.CapacityLimiter(threads)

    async def read(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`fn(session, *args, **kwargs)` in its own unit of work, rolled back afterwards."""
        return await self.call(self._unit, fn, False, args, kwargs)

    async def write(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`fn(session, *args, **kwargs)` in its own unit of work, committed when it returns."""
        return await self.call(self._unit, fn, True, args, kwargs)

    async def bulk_write(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """As `write`, for work that stores a whole table (tens of thousands of rows): its own,
        longer deadline.  Each statement still has the short one."""
        return await self.call(self._unit, fn, True, args, kwargs, timeout=self.bulk_timeout)

    async def call(self, fn: Callable[..., T], *args: Any, timeout: float | None = None) -> T:
        """Any blocking database call, off the event loop and within the deadline."""
        timeout = self.timeout if timeout is None else timeout
        try:
            with anyio.fail_after(timeout):
                # abandon_on_cancel: on timeout the request answers 503 at once; the thread
                # ends when the connection errors out or the pool gives up on it.
                return await anyio.to_thread.run_sync(lambda: fn(*args), abandon_on_cancel=True,
                                                      limiter=self._limiter)
        except TimeoutError:
            DB_ERRORS.labels("timeout").inc()
            log.warning("database did not answer within %.1f s", timeout)
            raise ServiceUnavailable(OUTAGE_MESSAGE) from None

    def _unit(self, fn: Callable[..., T], commit: bool, args: tuple, kwargs: dict) -> T:
        with UnitOfWork(self.engine, self.on_commit if commit else None) as uow:
            result = fn(uow.session, *args, **kwargs)
            if commit:
                uow.commit()
            return result
