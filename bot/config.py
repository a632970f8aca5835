"""All settings of the running Slack app (extends the Salesforce and storage settings)."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import NoDecode

from actions.config import ActionsSettings

DEFAULT_SLACK_API_URL = "https://slack.com/api/"


class Settings(ActionsSettings):
    """Read from the environment and `.env`; see README for each variable."""

    slack_bot_token: SecretStr | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(
        default=None, validation_alias="SLACK_SIGNING_SECRET"
    )
    slack_app_token: SecretStr | None = Field(
        default=None,
        validation_alias="SLACK_APP_TOKEN",
        description="xapp- token; when set, `sfbot run` uses Socket Mode",
    )
    slack_api_url: str = Field(default=DEFAULT_SLACK_API_URL, validation_alias="SLACK_API_URL")
    admins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        validation_alias="SFBOT_ADMINS",
        description="Slack user ids allowed to manage the connection and digests "
        "(default: the workspace's admins and owners)",
    )
    listener_threads: int = Field(default=16, ge=1, le=256, validation_alias="SFBOT_THREADS")
    host: str = Field(default="0.0.0.0", validation_alias="SFBOT_HOST")  # noqa: S104
    port: int = Field(default=3000, ge=1, le=65535, validation_alias="PORT")
    digest_grace_minutes: float = Field(
        default=60.0,
        ge=0,
        validation_alias="SFBOT_DIGEST_GRACE_MINUTES",
        description="Runs missed while sfbot was down are posted late within this, else missed",
    )
    modal_wait_seconds: float = Field(
        default=1.8,
        gt=0,
        le=2.5,
        validation_alias="SFBOT_MODAL_WAIT_SECONDS",
        description="How long a modal submission waits for Salesforce before answering "
        "'working on it' and finishing with views.update (Slack allows 3 s).",
    )
    abandoned_submission_seconds: float = Field(
        default=300.0,
        ge=1,
        validation_alias="SFBOT_ABANDONED_SUBMISSION_SECONDS",
        description="A modal submission still unfinished after this belongs to a process that "
        "died mid-write: its user is told the outcome is unknown (bot.abandoned)",
    )
    shutdown_seconds: float = Field(
        default=25.0,
        ge=0,
        le=3600,
        validation_alias="SFBOT_SHUTDOWN_SECONDS",
        description="On SIGTERM, how long in-flight work may take to finish before exit 0",
    )

    @field_validator("admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, value: str) -> str:
        return value if value.endswith("/") else value + "/"

    def missing_for_run(self) -> list[str]:
        """The variables `sfbot run` needs but does not have."""
        missing = []
        if self.slack_bot_token is None:
            missing.append("SLACK_BOT_TOKEN")
        if self.slack_signing_secret is None:
            missing.append("SLACK_SIGNING_SECRET")
        return missing
