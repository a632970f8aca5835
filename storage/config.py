"""Storage configuration, read from the environment and `.env` by pydantic-settings."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///sfbot.db"


class StorageSettings(BaseSettings):
    """Where sfbot keeps its state and how it encrypts secrets at rest."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        validation_alias="DATABASE_URL",
        description="SQLAlchemy URL; SQLite (default) or postgresql+psycopg://...",
    )
    secret_key: SecretStr | None = Field(
        default=None,
        validation_alias="SFBOT_SECRET_KEY",
        description="Fernet key(s), comma-separated, newest first, for key rotation.",
    )
