"""blocks and private messages

Readers blocking one another (`blocks`, never oneself: a CHECK) and private messages:
`conversations` (the pair, unique, deleted with either account), one row per participant
in `conversation_members` (the other participant, the last message's time for the "newest
first" index, the unread counter with a partial index for the header), and `messages`.
New tables only, so SQLite needs no rebuild.

Revision ID: 5c8e1a9d3f20
Revises: 5c2e9a7d4b13
Create Date: 2026-12-03 10:40:00

"""

import sqlalchemy as sa
from alembic import op


revision = "5c8e1a9d3f20"
down_revision = "5c2e9a7d4b13"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "blocks",
        sa.Column("blocker_id", sa.Integer(), nullable=False),
        sa.Column("blocked_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("blocker_id <> blocked_id", name=op.f("ck_blocks_not_self")),
        sa.ForeignKeyConstraint(
            ["blocker_id"], ["users.id"], name=op.f("fk_blocks_blocker_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["blocked_id"], ["users.id"], name=op.f("fk_blocks_blocked_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("blocker_id", "blocked_id", name=op.f("pk_blocks")),
    )
    op.create_index("ix_blocks_blocked", "blocks", ["blocked_id", "blocker_id"])
    op.create_table(
        "conversations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("low_user_id", sa.Integer(), nullable=False),
        sa.Column("high_user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "low_user_id < high_user_id", name=op.f("ck_conversations_ordered_pair")
        ),
        sa.ForeignKeyConstraint(
            ["low_user_id"],
            ["users.id"],
            name=op.f("fk_conversations_low_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["high_user_id"],
            ["users.id"],
            name=op.f("fk_conversations_high_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversations")),
        sa.UniqueConstraint(
            "low_user_id",
            "high_user_id",
            name=op.f("uq_conversations_low_user_id_high_user_id"),
        ),
    )
    op.create_index(op.f("ix_conversations_high_user_id"), "conversations", ["high_user_id"])
    op.create_table(
        "conversation_members",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("other_id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("last_message_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("unread_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_read_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_conversation_members_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["other_id"],
            ["users.id"],
            name=op.f("fk_conversation_members_other_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_conversation_members_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "other_id", name=op.f("pk_conversation_members")),
    )
    op.create_index(
        op.f("ix_conversation_members_other_id"), "conversation_members", ["other_id"]
    )
    op.create_index(
        op.f("ix_conversation_members_conversation_id"),
        "conversation_members",
        ["conversation_id"],
    )
    op.create_index(
        "ix_conversation_members_user_last",
        "conversation_members",
        ["user_id", "last_message_at", "other_id"],
    )
    op.create_index(
        "ix_conversation_members_unread",
        "conversation_members",
        ["user_id", "unread_count"],
        postgresql_where=sa.text("unread_count > 0"),
        sqlite_where=sa.text("unread_count > 0"),
    )
    op.create_table(
        "messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["conversations.id"],
            name=op.f("fk_messages_conversation_id_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sender_id"], ["users.id"], name=op.f("fk_messages_sender_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
    )
    op.create_index(op.f("ix_messages_sender_id"), "messages", ["sender_id"])
    op.create_index(
        "ix_messages_conversation_created", "messages", ["conversation_id", "created_at", "id"]
    )


def downgrade():
    op.drop_table("messages")
    op.drop_table("conversation_members")
    op.drop_table("conversations")
    op.drop_table("blocks")
