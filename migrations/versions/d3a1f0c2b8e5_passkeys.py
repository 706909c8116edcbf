"""passkeys

WebAuthn credentials (`passkeys`: a public key, its credential id and signature count, a
name) and each account's random WebAuthn user handle (`passkey_user_handles`). Both go with
their user.

Revision ID: d3a1f0c2b8e5
Revises: 6ba8bb82d9ec
Create Date: 2026-12-03 08:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

revision = "d3a1f0c2b8e5"
down_revision = "a3d5f7c9e1b2"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "passkeys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.LargeBinary(length=1023), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("sign_count", sa.BigInteger(), nullable=False),
        sa.Column("transports", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_passkeys_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_passkeys")),
        sa.UniqueConstraint("credential_id", name=op.f("uq_passkeys_credential_id")),
    )
    op.create_index(op.f("ix_passkeys_user_id"), "passkeys", ["user_id"], unique=False)
    op.create_table(
        "passkey_user_handles",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("handle", sa.LargeBinary(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_passkey_user_handles_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_passkey_user_handles")),
        sa.UniqueConstraint("handle", name=op.f("uq_passkey_user_handles_handle")),
    )


def downgrade():
    op.drop_table("passkey_user_handles")
    op.drop_index(op.f("ix_passkeys_user_id"), table_name="passkeys")
    op.drop_table("passkeys")
