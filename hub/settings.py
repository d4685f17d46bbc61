"""The one settings object: every knob is an ``EDUHUB_*`` environment variable (or ``.env``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_ID_HASH_KEY = "eduhub-development-key-change-me"
DEV_TOKEN_KEY = "eduhub-development-token-key-change-me-0123456789"


class Settings(BaseSettings):
    """Deployment settings; build one per app or command, never at import time."""

    model_config = SettingsConfigDict(env_prefix="EDUHUB_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///./eduhub.db",
        description="SQLAlchemy URL: sqlite:///path.db (embedded) or postgresql://host/db.",
    )
    id_hash_key: SecretStr = Field(
        default=SecretStr(DEV_ID_HASH_KEY),
        description="Key of the HMAC that turns ID numbers into matching hashes. Set it in "
        "production and never change it, or existing hashes stop matching.",
    )
    province_code: str = Field(
        default="32", description="GB/T 2260 province prefix (Jiangsu = 32)."
    )
    data_dir: Path = Field(default=Path("./var"), description="Reports, caches and exports.")
    sql_echo: bool = Field(default=False, description="Log every SQL statement (debugging).")
    gis_far_distance_m: float = Field(
        default=3000.0,
        gt=0,
        description="Home-to-nearest-school distance (m) above which the "
        "near-school report counts a pupil as far.",
    )
    map_tiles: str = Field(
        default="none",
        pattern="^(none|osm|tianditu)$",
        description="Base layer of maps: none (offline), osm, or tianditu (needs the key).",
    )
    tianditu_key: SecretStr | None = Field(
        default=None, description="Tianditu (天地图) tile key (tk), for map_tiles=tianditu."
    )
    catalog_dir: Path | None = Field(
        default=None,
        description="Catalog source: a folder with entries/*.yaml and registry.yaml "
        "(default: the catalog shipped in the package).",
    )
    catalog_base_uri: str = Field(
        default="https://eduhub.jyt.jiangsu.gov.cn",
        description="Base of the stable URIs in the DCAT-AP export and CKAN links.",
    )

    pull_workers: int | None = Field(
        default=None,
        ge=0,
        description="Worker processes that parse and map large file drops during a pull "
        "(default: one per CPU core but one, at least 1 and at most 4; 0: read in the "
        "pull's own process).",
    )
    pull_workers_min_mb: float = Field(
        default=16,
        ge=0,
        description="Pending file-drop megabytes below which a stream is read in process "
        "(starting workers costs about a second).",
    )

    scope_moves_keep_days: int = Field(
        default=90,
        ge=1,
        description="Days a record of a row leaving a region is kept for the change feed; "
        "a row-scoped client whose cursor is older must pull the dataset again (410).",
    )

    token_key: SecretStr = Field(
        default=SecretStr(DEV_TOKEN_KEY),
        description="HS256 key that signs the exchange's access tokens (JWT). Set it in "
        "production; changing it invalidates every token issued.",
    )
    token_ttl_seconds: int = Field(
        default=900, ge=30, le=86400, description="Lifetime of an access token in seconds."
    )
    open_rate_limit: int = Field(
        default=120, ge=1, description="Open-data requests allowed per client address per minute."
    )

    @field_validator("province_code")
    @classmethod
    def _two_digits(cls, value: str) -> str:
        if len(value) != 2 or not value.isdigit():
            raise ValueError("province_code must be two digits, e.g. 32")
        return value

    @property
    def id_hash_key_bytes(self) -> bytes:
        return self.id_hash_key.get_secret_value().encode()


@lru_cache
def get_settings() -> Settings:
    """Settings read from the environment once per process (tests build their own)."""
    return Settings()
