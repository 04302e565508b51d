"""a version number on every diary entry, for safe concurrent edits (optimistic concurrency)

Revision ID: 0006_entry_version
Revises: 0005_rate_limits
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_entry_version"
down_revision = "0005_rate_limits"
branch_labels = None
depends_on = None

ENTRY_TABLES = ("episodes", "medicine_intakes", "self_care_actions", "checkins")


def upgrade() -> None:
    for table in ENTRY_TABLES:
        # batch mode: SQLite cannot add a NOT NULL column with a default to some older layouts.
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))


def downgrade() -> None:
    for table in ENTRY_TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("version")
