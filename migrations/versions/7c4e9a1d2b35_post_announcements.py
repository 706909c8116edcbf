"""post announcements

One row per post whose author's followers have been told of it (`post_announcements`), so
that a post is announced once: when it is published, or by `flask notifications announce`
once a scheduled post's time has come. A new table only, so SQLite needs no rebuild.

Revision ID: 7c4e9a1d2b35
Revises: a9d4e2f7c613
Create Date: 2026-12-03 10:40:00

"""

import sqlalchemy as sa
from alembic import op


revision = "7c4e9a1d2b35"
down_revision = "a9d4e2f7c613"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "post_announcements",
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("announced_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["posts.id"],
            name=op.f("fk_post_announcements_post_id_posts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("post_id", name=op.f("pk_post_announcements")),
    )


def downgrade():
    op.drop_table("post_announcements")
