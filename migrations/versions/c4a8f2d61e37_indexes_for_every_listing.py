"""indexes for every listing

Drafts are listed by author, newest written first, and a post's comments in the order
they were written: both get an index that hands rows over already sorted, so no page
sorts or scans. The comments index starts with post_id, so it replaces the one on
post_id alone (the foreign key and the listings' comment counts use it just as well).

Indexes only, with op.create_index: a batch rebuild of `posts` on SQLite would drop the
search triggers, and one of `users` would lose the index on lower(username) (see the
earlier revisions).

Revision ID: c4a8f2d61e37
Revises: 062a7918f8ba
Create Date: 2026-11-24 11:40:00.000000

"""

from alembic import op

revision = "c4a8f2d61e37"
down_revision = "062a7918f8ba"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_posts_author_drafts",
        "posts",
        ["user_id", "is_published", "date_posted", "id"],
        unique=False,
    )
    op.create_index(
        "ix_comments_post_created", "comments", ["post_id", "created_at", "id"], unique=False
    )
    op.drop_index("ix_comments_post_id", table_name="comments")


def downgrade():
    op.create_index("ix_comments_post_id", "comments", ["post_id"], unique=False)
    op.drop_index("ix_comments_post_created", table_name="comments")
    op.drop_index("ix_posts_author_drafts", table_name="posts")
