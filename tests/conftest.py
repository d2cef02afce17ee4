"""Shared fixtures: every API test runs on SQLite and, when PRICING_TEST_DATABASE_URL is set,
on PostgreSQL too — each app on its own fresh database (a SQLite file, or a PostgreSQL schema)."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from pricing_api.app import create_app
from pricing_api.auth import Role
from pricing_api.services.keys import create_key
from pricing_api.settings import Settings
from pricing_api.storage.database import normalise_url

PG_URL = os.environ.get("PRICING_TEST_DATABASE_URL")
BACKENDS = ["sqlite", pytest.param("postgresql",
                                   marks=pytest.mark.skipif(not PG_URL, reason="PRICING_TEST_DATABASE_URL not set"))]


@contextmanager
def fresh_database(backend: str, tmp_dir) -> Iterator[str]:
    """A database URL nobody else uses; dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_dir / f'pricing-{uuid.uuid4().hex[:8]}.sqlite3'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(normalise_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(normalise_url(PG_URL)).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def settings_for(url: str, **overrides) -> Settings:
    """Settings for a test app: its claims files of audit runs in a folder of its own."""
    overrides.setdefault("audit_dir", Path(tempfile.mkdtemp(prefix="pricing-audits-")))
    return Settings(database_url=url, catalog_refresh_seconds=0.2, **overrides)


def make_key(app, role: str) -> str:
    """A new API key of `role` in the app's database; returns its secret."""
    with Session(app.state.engine) as session:
        _, secret = create_key(session, Role(role), f"test {role}")
        session.commit()
    return secret


def prepared_database_key(url: str, role: str, name: str = "test") -> str:
    """Prepare a database as the service's first start would, and make a key of `role` in it
    (for servers started in another process)."""
    from pricing_api.startup import prepare_database
    from pricing_api.storage.database import make_engine

    engine = make_engine(url)
    prepare_database(engine, load_bundled=True)
    with Session(engine) as session:
        _, secret = create_key(session, Role(role), name)
        session.commit()
    engine.dispose()
    return secret


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@contextmanager
def running_app(url: str, **overrides) -> Iterator[TestClient]:
    """The app on `url`, as an admin would call it (the client carries an admin key)."""
    with TestClient(create_app(settings_for(url, **overrides))) as test_client:
        test_client.headers.update(bearer(make_key(test_client.app, "admin")))
        yield test_client


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def database_url(backend, tmp_path) -> Iterator[str]:
    with fresh_database(backend, tmp_path) as url:
        yield url


@pytest.fixture
def client(database_url, tmp_path) -> Iterator[TestClient]:
    """A running app on a fresh database with the bundled notices loaded (admin key); claims
    files of its audit runs under tmp_path/audits."""
    with running_app(database_url, audit_dir=tmp_path / "audits") as test_client:
        yield test_client


@pytest.fixture(scope="module", params=BACKENDS)
def shared_client(request, tmp_path_factory) -> Iterator[TestClient]:
    """One app per module and backend, for tests that only read."""
    with fresh_database(request.param, tmp_path_factory.mktemp("db")) as url, running_app(url) as test_client:
        yield test_client


@contextmanager
def live_server_for(url: str, **overrides) -> Iterator[tuple]:
    """The app served by uvicorn in a thread on a free port: (app, base URL).  For tests that
    need a real event loop (concurrency, browsers)."""
    import socket
    import threading
    import time

    import uvicorn

    app = create_app(settings_for(url, **overrides))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(400):
        if server.started:
            break
        time.sleep(0.05)
    assert server.started, "the server did not start"
    try:
        yield app, f"http://localhost:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
