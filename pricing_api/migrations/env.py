"""Alembic environment: the engine comes from the application (config.attributes["engine"])
or, when run from the alembic command line, from PRICING_DATABASE_URL."""

from alembic import context
from sqlmodel import SQLModel

from pricing_api.storage import records  # noqa: F401  (registers the tables on the metadata)

target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    engine = context.config.attributes.get("engine")
    if engine is None:
        from pricing_api.settings import get_settings
        from pricing_api.storage.database import make_engine

        engine = make_engine(get_settings().database_url, timeout=600)
    with engine.begin() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=connection.dialect.name == "sqlite")
        context.run_migrations()


run_migrations_online()
