"""follows and bookmarks

Readers following writers (`follows`, never oneself: a CHECK) and readers' bookmarks of
posts (`bookmarks`). New tables only, so SQLite needs no rebuild. A post whose slug was
"bookmark" or "unbookmark" (now actions' words) takes "-post" after it.

Revision ID: f0c1a2b3d4e5
Revises: 752ad43712e8
Create Date: 2026-12-03 08:40:00

"""

import sqlalchemy as sa
from alembic import op


revision = "f0c1a2b3d4e5"
down_revision = "752ad43712e8"
branch_labels = None
depends_on = None


def upgrade():
    # /post/<id>/bookmark and /unbookmark are now actions: slugs cannot be these words.
    for word in ("bookmark", "unbookmark"):
        op.execute(f"UPDATE posts SET slug = '{word}-post' WHERE slug = '{word}'")
    op.create_table(
        "follows",
        sa.Column("follower_id", sa.Integer(), nullable=False),
        sa.Column("followed_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("follower_id <> followed_id", name=op.f("ck_follows_not_self")),
        sa.ForeignKeyConstraint(
            ["follower_id"], ["users.id"], name=op.f("fk_follows_follower_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["followed_id"], ["users.id"], name=op.f("fk_follows_followed_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("follower_id", "followed_id", name=op.f("pk_follows")),
    )
    op.create_index("ix_follows_followed", "follows", ["followed_id", "follower_id"])
    op.create_table(
        "bookmarks",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_bookmarks_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_bookmarks_post_id_posts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "post_id", name=op.f("pk_bookmarks")),
    )
    op.create_index(op.f("ix_bookmarks_post_id"), "bookmarks", ["post_id"])
    op.create_index("ix_bookmarks_user_created", "bookmarks", ["user_id", "created_at"])


def downgrade():
    op.drop_table("bookmarks")
    op.drop_table("follows")
