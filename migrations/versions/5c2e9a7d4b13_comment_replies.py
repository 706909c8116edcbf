"""comment replies

A comment may reply to another comment of its post (`comments.parent_id`, one level deep).
Deleting a comment keeps its replies as comments of their own (ON DELETE SET NULL); the
index lets the database find them.

SQLite adds a foreign key only by rebuilding the table (batch mode; comments has no
triggers, and migrations/env.py turns foreign keys off while tables are rebuilt, so the
rows that point at comments stay).

Revision ID: 5c2e9a7d4b13
Revises: 0b7d2e4f6a81
Create Date: 2026-12-03 10:30:00

"""

import sqlalchemy as sa
from alembic import op

revision = "5c2e9a7d4b13"
down_revision = "0b7d2e4f6a81"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("comments") as batch_op:
        batch_op.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_comments_parent_id_comments"),
            "comments",
            ["parent_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index(op.f("ix_comments_parent_id"), ["parent_id"])


def downgrade():
    with op.batch_alter_table("comments") as batch_op:
        batch_op.drop_index(op.f("ix_comments_parent_id"))
        batch_op.drop_constraint(op.f("fk_comments_parent_id_comments"), type_="foreignkey")
        batch_op.drop_column("parent_id")
