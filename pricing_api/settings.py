"""All configuration, read once from the environment (prefix PRICING_)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from price_tables.grades import Grade
from pricing_api.nhsa.dictionaries import (
    DEFAULT_MEDINS_LV_GRADES,
    DEFAULT_SEV_DEG,
    DEFAULT_VOLA_AMT_STAS,
    DEFAULT_VOLA_BHVR_TYPE,
    Dictionaries,
)

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
    audit_dir: Path = Field(DEFAULT_DATA_DIR / "audits", description="Where claims files of audit runs are kept.")
    max_audit_bytes: int = Field(2 * 1024**3, ge=1024, description="Largest claims file an audit run takes (413 above).")
    audit_threads: int | None = Field(None, ge=1, le=256, description="DuckDB threads of an audit run in the service "
                                                                     "(default: every core but one)")
    nhsa_medins_lv_grades: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_MEDINS_LV_GRADES),
        description="3101 medins_lv → grade (grade_3a / grade_3b / grade_2_or_below); JSON.  Not sourced for 3101: "
                    "the default follows the national 医院等级 list (02 三级甲等 …).")
    nhsa_inpatient_types: list[str] = Field(["2"], description="med_mdtrt_type values meaning 住院 (JSON list)")
    nhsa_sev_deg: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_SEV_DEG),
                                         description="result level → sev_deg (1 明确违规, 2 高度可疑, 3 轻度可疑)")
    nhsa_vola_amt_stas: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_VOLA_AMT_STAS),
                                               description="vola_amt_stas for computed / none (not sourced)")
    nhsa_vola_bhvr_type: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_VOLA_BHVR_TYPE),
                                                description="rule id → vola_bhvr_type, with a `default` (not sourced)")

    def nhsa_dictionaries(self) -> Dictionaries:
        for name, value in (("nhsa_medins_lv_grades", self.nhsa_medins_lv_grades),):
            bad = [v for v in value.values() if v not in {g.value for g in Grade}]
            if bad:
                raise ValueError(f"PRICING_{name.upper()}: 未知医院等级 {bad[0]!r}")
        return Dictionaries(medins_lv_grades=self.nhsa_medins_lv_grades,
                            inpatient_types=tuple(self.nhsa_inpatient_types), sev_deg=self.nhsa_sev_deg,
                            vola_amt_stas=self.nhsa_vola_amt_stas, vola_bhvr_type=self.nhsa_vola_bhvr_type)


@lru_cache
def get_settings() -> Settings:
    return Settings()
