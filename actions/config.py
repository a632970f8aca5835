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
    flow_runs_per_minute: int = Field(
        default=30,
        ge=1,
        le=100000,
        validation_alias="SFBOT_FLOW_RUNS_PER_MINUTE",
        description="At most this many runs per flow per minute; beyond it runs are skipped.",
    )
    flow_api_budget_percent: float = Field(
        default=20.0,
        gt=0,
        le=100,
        validation_alias="SFBOT_FLOW_API_BUDGET_PERCENT",
        description="Flows may use this share of the org's daily API limit (from /limits).",
    )
    flow_workers: int = Field(
        default=8,
        ge=1,
        le=256,
        validation_alias="SFBOT_FLOW_WORKERS",
        description="Threads that run flow steps in each process.",
    )
