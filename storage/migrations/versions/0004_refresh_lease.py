"""A lease on the token refresh, so no database lock is held while Salesforce is asked.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("sf_connection", sa.Column("refresh_lease_until", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("sf_connection") as batch:
        batch.drop_column("refresh_lease_until")
