"""notifications

What readers are told about (`notifications`: a comment, a reply, a mention, a new follower,
a new post by an author they follow) and how they want to be told
(`notification_settings`: which kinds, and an email digest, off unless asked for). New
tables only, so SQLite needs no rebuild.

Revision ID: 0b7d2e4f6a81
Revises: f0c1a2b3d4e5
Create Date: 2026-12-03 10:30:00

"""

import sqlalchemy as sa
from alembic import op


revision = "0b7d2e4f6a81"
down_revision = "f0c1a2b3d4e5"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.Column("comment_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notifications_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"],
            ["users.id"],
            name=op.f("fk_notifications_actor_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["posts.id"],
            name=op.f("fk_notifications_post_id_posts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["comments.id"],
            name=op.f("fk_notifications_comment_id_comments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    op.create_index(op.f("ix_notifications_actor_id"), "notifications", ["actor_id"])
    op.create_index(op.f("ix_notifications_post_id"), "notifications", ["post_id"])
    op.create_index(op.f("ix_notifications_comment_id"), "notifications", ["comment_id"])
    op.create_index(
        "ix_notifications_user_created", "notifications", ["user_id", "created_at", "id"]
    )
    op.create_index(
        "ix_notifications_user_unread",
        "notifications",
        ["user_id"],
        postgresql_where=sa.text("read_at IS NULL"),
        sqlite_where=sa.text("read_at IS NULL"),
    )
    op.create_table(
        "notification_settings",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=8), server_default="off", nullable=False),
        sa.Column("notify_comments", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("notify_replies", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("notify_followers", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("notify_followed_posts", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("last_digest_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notification_settings_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_notification_settings")),
    )
    op.create_index("ix_notification_settings_digest", "notification_settings", ["digest"])


def downgrade():
    op.drop_table("notification_settings")
    op.drop_table("notifications")
