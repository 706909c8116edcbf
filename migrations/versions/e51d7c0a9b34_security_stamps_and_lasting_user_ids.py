"""security stamps and lasting user ids

Every user gets a `security_stamp`, which every emailed account link carries a digest of:
a new stamp (new password or address, "sign out everywhere else", disabling) kills them
all. Existing accounts get a random stamp each, from the database's own random source
(SQLite's randomblob, PostgreSQL's gen_random_uuid), so the links already sent out stop
working once: their payload carries no stamp yet.

On SQLite `users` also gets AUTOINCREMENT, so that the id of a deleted account is never
handed to the next sign-up (PostgreSQL's sequences never reuse ids). SQLite cannot add
that to a table in place: the table is rebuilt in batch mode, rows and ids kept, and the
unique index on lower(username), which SQLite cannot reflect and the rebuild therefore
loses, is created again afterwards (as in the earlier revisions).

Revision ID: e51d7c0a9b34
Revises: b7e3c1a94d20
Create Date: 2026-12-02 21:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

revision = "e51d7c0a9b34"
down_revision = "b7e3c1a94d20"
branch_labels = None
depends_on = None

RANDOM_STAMP = {
    "sqlite": "lower(hex(randomblob(16)))",
    "postgresql": "replace(gen_random_uuid()::text, '-', '')",
}


def sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def create_username_index() -> None:
    op.create_index("uq_users_username_lower", "users", [sa.text("lower(username)")], unique=True)


def upgrade():
    op.add_column("users", sa.Column("security_stamp", sa.String(length=32), nullable=True))
    op.execute(f"UPDATE users SET security_stamp = {RANDOM_STAMP[op.get_bind().dialect.name]}")
    if sqlite():
        with op.batch_alter_table(
            "users", recreate="always", table_kwargs={"sqlite_autoincrement": True}
        ) as batch_op:
            batch_op.alter_column(
                "security_stamp", existing_type=sa.String(length=32), nullable=False
            )
        create_username_index()
    else:
        op.alter_column(
            "users", "security_stamp", existing_type=sa.String(length=32), nullable=False
        )


def downgrade():
    if sqlite():
        # A plain rebuild: the reflected table has no AUTOINCREMENT to carry over.
        with op.batch_alter_table("users", recreate="always") as batch_op:
            batch_op.drop_column("security_stamp")
        create_username_index()
    else:
        op.drop_column("users", "security_stamp")
