"""reports, hidden comments and closed comments

Readers' reports of posts and comments (`reports`), a comment's hidden state (`hidden_at`,
`hidden_by_id`) and a post's `comments_enabled` (true for every post there is). A post
whose slug was "report" (now an action's word) takes "report-post".

SQLite adds a foreign key only by rebuilding the table (batch mode): comments is rebuilt
(it has no triggers); posts gains its column in place, and when it loses it again the
rebuild drops the full-text search triggers, which are made again afterwards.

Revision ID: 752ad43712e8
Revises: d3a1f0c2b8e5
Create Date: 2026-12-03 07:52:47.093984

"""

import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "752ad43712e8"
down_revision = "d3a1f0c2b8e5"
branch_labels = None
depends_on = None


def sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def make_search_triggers_again() -> None:
    """The SQLite full-text search triggers, as the revision that made them wrote them."""
    if not sqlite():
        return
    path = Path(__file__).with_name("9f1291851180_markdown_drafts_tags_comments_and_search.py")
    spec = importlib.util.spec_from_file_location("search_revision", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for trigger in module.SQLITE_TRIGGERS:
        op.execute(trigger)


def upgrade():
    with op.batch_alter_table("comments") as batch_op:
        batch_op.add_column(sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("hidden_by_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_comments_hidden_by_id_users"),
            "users",
            ["hidden_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
    # In place (no rebuild, so the search triggers stay): SQLite adds a column with a
    # constant default without one.
    op.add_column(
        "posts",
        sa.Column("comments_enabled", sa.Boolean(), server_default=sa.true(), nullable=False),
    )

    # /post/<id>/report is now an action, so "report" is a word slugs cannot be (as
    # slugify now writes it): a post already titled so moves to the slug it would get today.
    op.execute("UPDATE posts SET slug = 'report-post' WHERE slug = 'report'")

    op.create_table(
        "reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reporter_id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.Column("comment_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=10), nullable=False),
        sa.Column("details", sa.String(length=1000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("resolution", sa.String(length=20), nullable=True),
        sa.CheckConstraint(
            "reason IN ('spam', 'abuse', 'other')", name=op.f("ck_reports_reason")
        ),
        sa.CheckConstraint(
            "(post_id IS NULL) <> (comment_id IS NULL)", name=op.f("ck_reports_one_item")
        ),
        sa.ForeignKeyConstraint(
            ["comment_id"],
            ["comments.id"],
            name=op.f("fk_reports_comment_id_comments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_reports_post_id_posts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["reporter_id"],
            ["users.id"],
            name=op.f("fk_reports_reporter_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"],
            ["users.id"],
            name=op.f("fk_reports_resolved_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reports")),
        sa.UniqueConstraint(
            "reporter_id", "comment_id", name=op.f("uq_reports_reporter_id_comment_id")
        ),
        sa.UniqueConstraint("reporter_id", "post_id", name=op.f("uq_reports_reporter_id_post_id")),
    )
    op.create_index(op.f("ix_reports_comment_id"), "reports", ["comment_id"])
    op.create_index("ix_reports_open", "reports", ["resolved_at", "created_at", "id"])
    op.create_index("ix_reports_post", "reports", ["post_id"])


def downgrade():
    op.drop_index("ix_reports_post", table_name="reports")
    op.drop_index("ix_reports_open", table_name="reports")
    op.drop_index(op.f("ix_reports_comment_id"), table_name="reports")
    op.drop_table("reports")

    with op.batch_alter_table("posts") as batch_op:
        batch_op.drop_column("comments_enabled")
    make_search_triggers_again()
    with op.batch_alter_table("comments") as batch_op:
        batch_op.drop_constraint(op.f("fk_comments_hidden_by_id_users"), type_="foreignkey")
        batch_op.drop_column("hidden_by_id")
        batch_op.drop_column("hidden_at")
