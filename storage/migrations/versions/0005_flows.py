"""Action flows: definitions, runs (claimed once per flow and trigger key), their steps, asks
waiting for a click, the flows' daily Salesforce API usage; audit sources like ``flow:NAME``.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _when(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "flows",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False, unique=True),
        sa.Column("description", sa.Text(), nullable=False, server_default=""),
        sa.Column("trigger_kind", sa.String(32), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False, server_default=""),
        sa.Column("enabled", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("owner_user_id", sa.String(32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
        _when("created_at"),
        _when("updated_at"),
        _when("active_since"),
        sa.Column("throttle_told", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "flow_runs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "flow_id", sa.Integer(), sa.ForeignKey("flows.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("flow_name", sa.String(64), nullable=False),
        sa.Column("flow_version", sa.Integer(), nullable=False),
        sa.Column("trigger_key", sa.String(255), nullable=False),
        sa.Column("trigger_kind", sa.String(32), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("event", sa.Text(), nullable=False, server_default="{}"),
        sa.Column("state", sa.Text(), nullable=False, server_default="{}"),
        sa.Column("steps_executed", sa.Integer(), nullable=False, server_default="0"),
        _when("scheduled_for", nullable=True),
        sa.Column("claimed_by", sa.String(128)),
        _when("heartbeat_at", nullable=True),
        _when("started_at"),
        _when("finished_at", nullable=True),
        sa.Column("error", sa.Text()),
        sa.UniqueConstraint("flow_id", "trigger_key", name="uq_flow_runs_flow_key"),
    )
    op.create_index("ix_flow_runs_flow_started", "flow_runs", ["flow_id", "started_at"])
    op.create_index("ix_flow_runs_status", "flow_runs", ["status"])
    op.create_table(
        "flow_run_steps",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "run_id",
            sa.Integer(),
            sa.ForeignKey("flow_runs.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(64), nullable=False),
        sa.Column("step_id", sa.String(64)),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("input", sa.Text()),
        sa.Column("output", sa.Text()),
        sa.Column("error", sa.Text()),
        _when("started_at"),
        _when("finished_at", nullable=True),
    )
    op.create_index("ix_flow_run_steps_run", "flow_run_steps", ["run_id", "seq"])
    op.create_table(
        "flow_asks",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "run_id",
            sa.Integer(),
            sa.ForeignKey("flow_runs.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("step_path", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("choices", sa.Text(), nullable=False),
        sa.Column("channel_id", sa.String(32)),
        sa.Column("message_ts", sa.String(32)),
        _when("created_at"),
        _when("expires_at"),
        sa.Column("choice", sa.String(80)),
        sa.Column("answered_by", sa.String(32)),
        _when("answered_at", nullable=True),
    )
    op.create_index("ix_flow_asks_status_expires", "flow_asks", ["status", "expires_at"])
    op.create_table(
        "flow_api_usage",
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("calls", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("told", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    with op.batch_alter_table("audit_log") as batch:
        batch.alter_column(
            "source", existing_type=sa.String(16), type_=sa.String(80), existing_nullable=False
        )


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.alter_column(
            "source", existing_type=sa.String(80), type_=sa.String(16), existing_nullable=False
        )
    op.drop_table("flow_api_usage")
    op.drop_index("ix_flow_asks_status_expires", table_name="flow_asks")
    op.drop_table("flow_asks")
    op.drop_index("ix_flow_run_steps_run", table_name="flow_run_steps")
    op.drop_table("flow_run_steps")
    op.drop_index("ix_flow_runs_status", table_name="flow_runs")
    op.drop_index("ix_flow_runs_flow_started", table_name="flow_runs")
    op.drop_table("flow_runs")
    op.drop_table("flows")
