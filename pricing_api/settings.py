"""All configuration, read once from the environment (prefix PRICING_)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATA_DIR = Path("data")


class Settings(BaseSettings):
    """Environment variables: PRICING_DATABASE_URL, PRICING_LOAD_BUNDLED, … (see README)."""

    model_config = SettingsConfigDict(env_prefix="PRICING_", env_file=".env", extra="ignore")

    database_url: str = Field(
        f"sqlite:///{DEFAULT_DATA_DIR / 'pricing.sqlite3'}",
        description="SQLAlchemy URL. Default: a SQLite file under ./data. Production: "
                    "postgresql+psycopg://user@host/db",
    )
    load_bundled: bool = Field(True, description="Load the bundled 2021 notices into an empty database on start.")
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = Field(1, ge=1)
    catalog_refresh_seconds: float = Field(
        0.5, ge=0, description="How often a worker checks whether another worker published a notice or "
                               "created or revoked a key (one small query).")
    db_timeout_seconds: float = Field(
        5.0, gt=0, le=600, description="A request's database work that takes longer is abandoned with 503; also the "
                                       "PostgreSQL statement timeout and the connection-pool wait.")
    readiness_timeout_seconds: float = Field(2.0, gt=0, le=60, description="/readyz answers 503 past this.")
    session_hours: float = Field(12.0, gt=0, le=24 * 30, description="How long a page sign-in lasts.")
    log_level: str = "info"
    max_request_bytes: int = Field(25 * 1024 * 1024, ge=1024, description="Largest request body accepted (413 above).")
    max_upload_bytes: int = Field(20 * 1024 * 1024, ge=1024, description="Largest table file accepted (413 above).")
    cookie_secure: bool = Field(
        True, description="Mark the pages' session cookie Secure (browsers send it to localhost and HTTPS).")
    max_upload_rows: int = Field(50_000, ge=1, description="Most rows a table file may have (422 above).")


@lru_cache
def get_settings() -> Settings:
    return Settings()
