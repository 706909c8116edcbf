"""sessions, confirmation and admins

Each login gets a row in `sessions`, which the cookies point at, so logging out and
changing a password end it for good. Users gain `confirmed_at` (accounts that exist
already count as confirmed on the day they were created), `is_admin` and `disabled_at`.

Columns are added with plain ALTER TABLE, not a batch rebuild: SQLite cannot reflect the
unique index on lower(username), so a rebuild of `users` would silently lose it. The
downgrade has to rebuild the table, and creates that index again afterwards.

Revision ID: 062a7918f8ba
Revises: 9f1291851180
Create Date: 2026-11-24 09:27:41.000000

"""

import sqlalchemy as sa
from alembic import op

revision = "062a7918f8ba"
down_revision = "9f1291851180"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("remember", sa.Boolean(), nullable=False),
        sa.Column("user_agent", sa.String(length=200), nullable=False),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
    )
    op.create_index(op.f("ix_sessions_user_id"), "sessions", ["user_id"], unique=False)

    op.add_column("users", sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "users", sa.Column("is_admin", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.add_column("users", sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))

    users = sa.table("users", sa.column("created_at"), sa.column("confirmed_at"))
    op.execute(users.update().values(confirmed_at=users.c.created_at))


def downgrade():
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("disabled_at")
        batch_op.drop_column("is_admin")
        batch_op.drop_column("confirmed_at")
    if op.get_bind().dialect.name == "sqlite":
        op.create_index(
            "uq_users_username_lower", "users", [sa.text("lower(username)")], unique=True
        )
    op.drop_index(op.f("ix_sessions_user_id"), table_name="sessions")
    op.drop_table("sessions")
