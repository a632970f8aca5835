"""Polling Salesforce for changed records: a cursor per object and the changes seen.

Revision ID: 0007
Revises: 0005
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sf_record_cursors",
        sa.Column("object", sa.String(80), primary_key=True),
        sa.Column("stamp", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_owner", sa.String(128), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("polled_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_table(
        "sf_record_changes_seen",
        sa.Column("object", sa.String(80), primary_key=True),
        sa.Column("record_id", sa.String(18), primary_key=True),
        sa.Column("stamp", sa.DateTime(timezone=True), primary_key=True),
    )
    op.create_index(
        "ix_sf_record_changes_seen_stamp", "sf_record_changes_seen", ["object", "stamp"]
    )


def downgrade() -> None:
    op.drop_index("ix_sf_record_changes_seen_stamp", table_name="sf_record_changes_seen")
    op.drop_table("sf_record_changes_seen")
    op.drop_table("sf_record_cursors")
