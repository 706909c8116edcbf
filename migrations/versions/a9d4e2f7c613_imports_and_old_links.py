"""imports and old links

Moving a blog in: `imported_posts` (which post came from which source, per account, so an
import run twice adds nothing), `old_links` (a post's address on its old site, redirected
to it), `import_jobs` (imports started from the browser, run in the background), and
`comments.imported_author` (the name under a comment brought in from elsewhere). New tables
and a nullable column only, so SQLite needs no rebuild.

Revision ID: a9d4e2f7c613
Revises: 5c8e1a9d3f20
Create Date: 2026-12-03 10:30:00

"""

import sqlalchemy as sa
from alembic import op


revision = "a9d4e2f7c613"
down_revision = "5c8e1a9d3f20"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "imported_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("source_key", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_imported_posts_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_imported_posts_post_id_posts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imported_posts")),
        sa.UniqueConstraint("user_id", "source_key", name=op.f("uq_imported_posts_user_id_source_key")),
    )
    op.create_index(op.f("ix_imported_posts_post_id"), "imported_posts", ["post_id"])
    op.create_table(
        "old_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=500), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_old_links_post_id_posts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_old_links")),
        sa.UniqueConstraint("path", name=op.f("uq_old_links_path")),
    )
    op.create_index(op.f("ix_old_links_post_id"), "old_links", ["post_id"])
    op.create_table(
        "import_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("handle", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.Column("summary_json", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_import_jobs_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_jobs")),
        sa.UniqueConstraint("handle", name=op.f("uq_import_jobs_handle")),
    )
    op.create_index("ix_import_jobs_user", "import_jobs", ["user_id", "created_at"])
    with op.batch_alter_table("comments") as batch_op:
        batch_op.add_column(sa.Column("imported_author", sa.String(length=100), nullable=True))


def downgrade():
    with op.batch_alter_table("comments") as batch_op:
        batch_op.drop_column("imported_author")
    op.drop_table("import_jobs")
    op.drop_table("old_links")
    op.drop_table("imported_posts")
