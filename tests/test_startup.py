"""First start fills an empty database; later starts leave it alone; readiness tracks the database."""

from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlmodel import Session

from pricing_api.app import create_app
from pricing_api.storage import notices as stored
from tests.conftest import running_app, settings_for


def test_first_start_loads_the_bundled_notices_once(database_url):
    for _ in range(2):
        with running_app(database_url) as client:
            notices = client.get("/v1/notices").json()["notices"]
            assert [n["document"] for n in notices] == ["衢医保联发〔2021〕11号", "衢医保联发〔2021〕12号"]


def test_first_start_prints_one_admin_key_that_works_and_only_once(database_url, capsys):
    with TestClient(create_app(settings_for(database_url))) as client:
        printed = capsys.readouterr().out
        [secret] = [w for w in printed.split() if w.startswith("qzp_")]
        assert client.get("/v1/notices", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    with TestClient(create_app(settings_for(database_url))):
        assert "qzp_" not in capsys.readouterr().out


def test_without_load_bundled_the_database_stays_empty(database_url):
    with running_app(database_url, load_bundled=False) as client:
        assert client.get("/v1/notices").json()["total"] == 0
        assert client.get("/v1/items/33150700500").status_code == 404


def test_stored_items_read_back_identical_to_the_loaded_ones(client):
    from price_tables.loader import bundled_notices

    with Session(client.app.state.engine) as session:
        loaded = [v.notice for v in stored.published_versions(session)]
    assert loaded == list(bundled_notices())


def test_readyz_is_503_when_the_database_is_unreachable(client):
    client.app.state.engine = create_engine("postgresql+psycopg://postgres@127.0.0.1:1/none",
                                            connect_args={"connect_timeout": 1})
    client.app.state.catalog._engine = client.app.state.engine
    client.app.state.catalog.invalidate()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "数据库不可用" in response.json()["detail"]
    assert client.get("/healthz").status_code == 200
