"""reader profiles

Each account's time zone (an IANA name, "UTC" for every account so far), interface
language ("en"), a few words about themselves and a website, for the profile page and for
dates shown in the reader's own time. Added columns only, so SQLite needs no rebuild.

Revision ID: a9d4e6f1c2b7
Revises: 7c4e9a1d2b35
Create Date: 2026-12-03 10:30:00

"""

import sqlalchemy as sa
from alembic import op


revision = "a9d4e6f1c2b7"
down_revision = "7c4e9a1d2b35"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "users", sa.Column("timezone", sa.String(length=64), server_default="UTC", nullable=False)
    )
    op.add_column(
        "users", sa.Column("language", sa.String(length=8), server_default="en", nullable=False)
    )
    op.add_column("users", sa.Column("about_me", sa.String(length=500), nullable=True))
    op.add_column("users", sa.Column("website", sa.String(length=300), nullable=True))


def downgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("website")
        batch_op.drop_column("about_me")
        batch_op.drop_column("language")
        batch_op.drop_column("timezone")
