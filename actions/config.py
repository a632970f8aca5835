"""Settings of the Salesforce side (extends the storage settings)."""

from __future__ import annotations

from pydantic import Field

from storage.config import StorageSettings


class ActionsSettings(StorageSettings):
    """How sfbot talks to Salesforce. Every value can come from the environment or `.env`."""

    sf_api_version: str | None = Field(
        default=None,
        validation_alias="SFBOT_SF_API_VERSION",
        description="Salesforce API version, e.g. 62.0; default: the newest the org offers.",
    )
    sf_connect_timeout: float = Field(default=5.0, validation_alias="SFBOT_SF_CONNECT_TIMEOUT")
    sf_read_timeout: float = Field(default=30.0, validation_alias="SFBOT_SF_READ_TIMEOUT")
    metadata_ttl_hours: float = Field(
        default=24.0,
        validation_alias="SFBOT_METADATA_TTL_HOURS",
        description="How long describes and picklists are cached before they are fetched again.",
    )
