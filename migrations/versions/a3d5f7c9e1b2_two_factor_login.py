"""two-factor login

Three fields on users for an authenticator app (its secret, when two-factor login was
turned on, the last time step accepted) and `recovery_codes`, kept as SHA-256 hashes.

Revision ID: a3d5f7c9e1b2
Revises: 6ba8bb82d9ec
Create Date: 2026-12-03 08:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

revision = "a3d5f7c9e1b2"
down_revision = "a3d95c7e0f21"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMN on both databases: no table rebuild, so SQLite's search triggers stay.
    op.add_column("users", sa.Column("totp_secret", sa.String(length=32), nullable=True))
    op.add_column(
        "users", sa.Column("totp_enabled_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("users", sa.Column("totp_last_step", sa.BigInteger(), nullable=True))
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_recovery_codes_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_codes")),
    )
    op.create_index(op.f("ix_recovery_codes_user_id"), "recovery_codes", ["user_id"])


def downgrade():
    op.drop_index(op.f("ix_recovery_codes_user_id"), table_name="recovery_codes")
    op.drop_table("recovery_codes")
    # SQLite (3.35 and later) drops a column in place: a batch rebuild of users would lose
    # its AUTOINCREMENT and the lower-case username index.
    for column in ("totp_last_step", "totp_enabled_at", "totp_secret"):
        op.execute(f"ALTER TABLE users DROP COLUMN {column}")
