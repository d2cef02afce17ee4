"""Engine creation and schema migration (Alembic) for SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import fcntl
import math
import time
from collections.abc import Iterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import create_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def normalise_url(url: str) -> str:
    """Accept plain `postgresql://` URLs and use the psycopg 3 driver for them."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


POOL_SIZE, POOL_OVERFLOW = 10, 10


def make_engine(url: str, timeout: float = 5.0) -> Engine:
    """An engine whose every wait is bounded by `timeout` seconds: connecting, waiting for a
    pooled connection, a statement (PostgreSQL's statement_timeout), SQLite's busy wait."""
    url = normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": max(timeout, 1.0)})
        _count_pool_use(engine)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    engine = create_engine(url, pool_pre_ping=True, pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW,
                           pool_timeout=timeout, connect_args={"connect_timeout": max(1, math.ceil(timeout))})
    statement_ms = int(timeout * 1000)
    _count_pool_use(engine)

    @event.listens_for(engine, "connect")
    def _statement_timeout(dbapi_connection, _record):
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET statement_timeout = {statement_ms}")
        dbapi_connection.commit()

    return engine


def _count_pool_use(engine: Engine) -> None:
    """Connections in use, for the `pricing_db_pool_connections_in_use` gauge."""
    from pricing_api.metrics import DB_POOL_IN_USE

    event.listen(engine, "checkout", lambda *_: DB_POOL_IN_USE.inc())
    event.listen(engine, "checkin", lambda *_: DB_POOL_IN_USE.dec())


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine) -> None:
    """Bring the schema to the latest revision (idempotent)."""
    command.upgrade(alembic_config(engine), "head")


_STARTUP_LOCK_KEY = 727_2021  # PostgreSQL advisory lock id for migrate-and-load


@contextlib.contextmanager
def startup_lock(engine: Engine) -> Iterator[None]:
    """Serialise migrate-and-load between workers starting together: an advisory lock on
    PostgreSQL, a lock file beside the SQLite database."""
    url = make_url(str(engine.url))
    if url.get_backend_name() == "postgresql":
        with engine.connect() as connection:
            # Short tries rather than one long wait: the wait must not run into statement_timeout.
            while not connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": _STARTUP_LOCK_KEY}).scalar():
                time.sleep(0.1)
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _STARTUP_LOCK_KEY})
                connection.commit()
        return
    database = url.database
    if not database or database == ":memory:":
        yield
        return
    with open(Path(database + ".lock"), "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ping(engine: Engine) -> None:
    """One trivial query; raises when the database does not answer."""
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
