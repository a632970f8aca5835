"""SQLAlchemy 2.0 models. The schema itself is owned by the Alembic migrations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class SalesforceConnectionRow(Base):
    """The one service-account connection of this installation (id is always 1).

    Columns ending in ``_enc`` hold Fernet tokens, never plaintext.
    """

    __tablename__ = "sf_connection"
    __table_args__ = (CheckConstraint("id = 1", name="ck_sf_connection_singleton"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, default=1)
    flow: Mapped[str] = mapped_column(String(32))
    login_url: Mapped[str] = mapped_column(String(255))
    client_id: Mapped[str] = mapped_column(String(255))
    client_secret_enc: Mapped[str | None] = mapped_column(Text)
    private_key_enc: Mapped[str | None] = mapped_column(Text)
    refresh_token_enc: Mapped[str | None] = mapped_column(Text)
    access_token_enc: Mapped[str | None] = mapped_column(Text)
    token_version: Mapped[int] = mapped_column(Integer, default=0)
    username: Mapped[str | None] = mapped_column(String(255))
    instance_url: Mapped[str] = mapped_column(String(255))
    org_id: Mapped[str] = mapped_column(String(18))
    user_id: Mapped[str] = mapped_column(String(18))
    api_version: Mapped[str] = mapped_column(String(8))
    scopes: Mapped[str] = mapped_column(Text, default="")
    connected_by: Mapped[str] = mapped_column(String(255))
    connected_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    token_refreshed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    api_usage_used: Mapped[int | None] = mapped_column(Integer)
    api_usage_max: Mapped[int | None] = mapped_column(Integer)
    problem: Mapped[str | None] = mapped_column(String(32))
    problem_detail: Mapped[str | None] = mapped_column(Text)
    # Who is getting a new token, until when: one process refreshes, the others wait for it.
    refresh_lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class MetadataCacheRow(Base):
    """Cached Salesforce metadata (describes, converted lead status), shared by processes."""

    __tablename__ = "sf_metadata_cache"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    org_id: Mapped[str] = mapped_column(String(18))
    value: Mapped[str] = mapped_column(Text)
    fetched_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditEntryRow(Base):
    """Who in Slack asked for which action on which records, and how it ended.

    Neither secrets nor free-text values are copied here: only ids, names and codes.
    """

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    source: Mapped[str] = mapped_column(String(80))
    slack_team_id: Mapped[str | None] = mapped_column(String(32))
    slack_user_id: Mapped[str | None] = mapped_column(String(32))
    channel_id: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64))
    object: Mapped[str | None] = mapped_column(String(32))
    record_ids: Mapped[str] = mapped_column(Text, default="[]")
    outcome: Mapped[str] = mapped_column(String(16))
    error_code: Mapped[str | None] = mapped_column(String(64))


class IdempotencyKeyRow(Base):
    """A claimed submission (view id, button click): a repeat returns the first result."""

    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    state: Mapped[str] = mapped_column(String(16))
    result: Mapped[str | None] = mapped_column(Text)


class DigestRow(Base):
    """A scheduled digest: which query, where, when. ``version`` changes on every edit."""

    __tablename__ = "digests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(32))
    params: Mapped[str] = mapped_column(Text, default="{}")
    channel_id: Mapped[str] = mapped_column(String(32))
    schedule: Mapped[str] = mapped_column(Text)
    timezone: Mapped[str] = mapped_column(String(64))
    post_when_empty: Mapped[bool] = mapped_column(Boolean, default=False)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    owner_user_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Runs are due from here on: set when created, resumed, or its schedule changes, so
    # a resume or a new time does not post the runs from before it.
    active_since: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)


class DigestRunRow(Base):
    """One scheduled run of a digest, claimed before it posts: unique per digest and time."""

    __tablename__ = "digest_runs"
    __table_args__ = (
        UniqueConstraint("digest_id", "scheduled_for", name="uq_digest_runs_digest_time"),
        Index("ix_digest_runs_state", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    digest_id: Mapped[int] = mapped_column(ForeignKey("digests.id", ondelete="CASCADE"))
    scheduled_for: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    state: Mapped[str] = mapped_column(String(16))
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    preview: Mapped[bool] = mapped_column(Boolean, default=False)
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    channel_id: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    record_count: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)


class FlowRow(Base):
    """An applied flow file. ``document`` is the file's data as JSON (channels as ids);
    ``source`` the YAML as applied. ``version`` changes on every apply, enable or disable."""

    __tablename__ = "flows"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    trigger_kind: Mapped[str] = mapped_column(String(32))
    document: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text, default="")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    owner_user_id: Mapped[str] = mapped_column(String(32))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Scheduled times count from here (set on apply and on enable): no backlog is replayed.
    active_since: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The owner was told its runs are being skipped (rate limit); cleared when one runs again.
    throttle_told: Mapped[bool] = mapped_column(Boolean, default=False)


class FlowRunRow(Base):
    """One run of a flow, claimed before its first step: unique per flow and trigger key."""

    __tablename__ = "flow_runs"
    __table_args__ = (
        UniqueConstraint("flow_id", "trigger_key", name="uq_flow_runs_flow_key"),
        Index("ix_flow_runs_flow_started", "flow_id", "started_at"),
        Index("ix_flow_runs_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    flow_id: Mapped[int] = mapped_column(ForeignKey("flows.id", ondelete="CASCADE"))
    flow_name: Mapped[str] = mapped_column(String(64))
    flow_version: Mapped[int] = mapped_column(Integer)
    trigger_key: Mapped[str] = mapped_column(String(255))
    trigger_kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(20))
    event: Mapped[str] = mapped_column(Text, default="{}")
    # Step outputs and where the run is: what a paused run resumes from.
    state: Mapped[str] = mapped_column(Text, default="{}")
    steps_executed: Mapped[int] = mapped_column(Integer, default=0)
    scheduled_for: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(Text)


class FlowRunStepRow(Base):
    """One executed step of a run: its resolved input, output or error."""

    __tablename__ = "flow_run_steps"
    __table_args__ = (Index("ix_flow_run_steps_run", "run_id", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("flow_runs.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(String(64))
    step_id: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(20))
    input: Mapped[str | None] = mapped_column(Text)
    output: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class FlowAskRow(Base):
    """An ``ask`` step waiting for a click. ``id`` is random: it travels in the buttons."""

    __tablename__ = "flow_asks"
    __table_args__ = (Index("ix_flow_asks_status_expires", "status", "expires_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("flow_runs.id", ondelete="CASCADE"))
    step_path: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    choices: Mapped[str] = mapped_column(Text)
    channel_id: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    choice: Mapped[str | None] = mapped_column(String(80))
    answered_by: Mapped[str | None] = mapped_column(String(32))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class FlowApiUsageRow(Base):
    """Salesforce API calls made by flows per UTC day, against the flows' daily budget."""

    __tablename__ = "flow_api_usage"

    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    calls: Mapped[int] = mapped_column(Integer, default=0)
    # The admins were told the budget ran out today.
    told: Mapped[bool] = mapped_column(Boolean, default=False)


class RecordCursorRow(Base):
    """Where polling for changed records of one Salesforce object stands (issue: flows that
    Salesforce starts). One row per object, whatever the number of flows on it; the replica
    holding the lease polls, the others wait for it or take over when it lapses."""

    __tablename__ = "sf_record_cursors"

    object: Mapped[str] = mapped_column(String(80), primary_key=True)
    # the highest SystemModstamp handled; the next poll re-reads from a little before it
    stamp: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    lease_owner: Mapped[str | None] = mapped_column(String(128))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    polled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class RecordChangeSeenRow(Base):
    """A change (record id, SystemModstamp) already handed to the flows: the poll re-reads a
    short overlap before its cursor (for ties and late commits) and skips these."""

    __tablename__ = "sf_record_changes_seen"
    __table_args__ = (Index("ix_sf_record_changes_seen_stamp", "object", "stamp"),)

    object: Mapped[str] = mapped_column(String(80), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(18), primary_key=True)
    stamp: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)


class AppSettingRow(Base):
    """One admin setting (``sfbot settings set NAME VALUE``), e.g. ``unfurls`` = ``names``."""

    __tablename__ = "app_settings"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str] = mapped_column(String(255))


class AccessListRow(Base):
    """Who may use one action: Slack user ids and user group ids (JSON list). No row: everyone."""

    __tablename__ = "access_lists"

    action: Mapped[str] = mapped_column(String(32), primary_key=True)
    principals: Mapped[str] = mapped_column(Text, default="[]")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str] = mapped_column(String(255))
