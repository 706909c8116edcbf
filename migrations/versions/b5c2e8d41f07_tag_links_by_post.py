"""tag links by post

`post_tags` gets an index on (tag_id, post_id) in place of the one on tag_id alone, so that
the newest posts of a tag are read backwards down it and stopped at a limit (related posts)
rather than every link of the tag read and sorted.

Revision ID: b5c2e8d41f07
Revises: 7d4e2b9c1a60
Create Date: 2026-12-03 16:45:00

"""

from alembic import op

revision = "b5c2e8d41f07"
down_revision = "7d4e2b9c1a60"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_post_tags_tag_id_post_id", "post_tags", ["tag_id", "post_id"])
    op.drop_index("ix_post_tags_tag_id", table_name="post_tags")


def downgrade():
    op.create_index("ix_post_tags_tag_id", "post_tags", ["tag_id"])
    op.drop_index("ix_post_tags_tag_id_post_id", table_name="post_tags")
