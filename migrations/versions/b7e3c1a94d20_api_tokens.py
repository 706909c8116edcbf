"""api tokens

Bearer tokens for the JSON API (/api/v1). The row's id is a SHA-256 of the token the
client holds, so the table alone lets nobody in; tokens go with their user, and keep a
fingerprint of the password they were issued under, so a new password ends them.

Revision ID: b7e3c1a94d20
Revises: c4a8f2d61e37
Create Date: 2026-11-24 11:40:00.000000

"""

import sqlalchemy as sa
from alembic import op

revision = "b7e3c1a94d20"
down_revision = "c4a8f2d61e37"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("password_fingerprint", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
    )
    op.create_index(op.f("ix_api_tokens_user_id"), "api_tokens", ["user_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_api_tokens_user_id"), table_name="api_tokens")
    op.drop_table("api_tokens")
