"""The service-account connection and the metadata cache.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sf_connection",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("flow", sa.String(32), nullable=False),
        sa.Column("login_url", sa.String(255), nullable=False),
        sa.Column("client_id", sa.String(255), nullable=False),
        sa.Column("client_secret_enc", sa.Text()),
        sa.Column("private_key_enc", sa.Text()),
        sa.Column("refresh_token_enc", sa.Text()),
        sa.Column("access_token_enc", sa.Text()),
        sa.Column("token_version", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("username", sa.String(255)),
        sa.Column("instance_url", sa.String(255), nullable=False),
        sa.Column("org_id", sa.String(18), nullable=False),
        sa.Column("user_id", sa.String(18), nullable=False),
        sa.Column("api_version", sa.String(8), nullable=False),
        sa.Column("scopes", sa.Text(), nullable=False, server_default=""),
        sa.Column("connected_by", sa.String(255), nullable=False),
        sa.Column("connected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("token_refreshed_at", sa.DateTime(timezone=True)),
        sa.Column("api_usage_used", sa.Integer()),
        sa.Column("api_usage_max", sa.Integer()),
        sa.Column("problem", sa.String(32)),
        sa.Column("problem_detail", sa.Text()),
        sa.CheckConstraint("id = 1", name="ck_sf_connection_singleton"),
    )
    op.create_table(
        "sf_metadata_cache",
        sa.Column("key", sa.String(128), primary_key=True),
        sa.Column("org_id", sa.String(18), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sf_metadata_cache")
    op.drop_table("sf_connection")
