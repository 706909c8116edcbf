"""images, revisions, summaries and covers

Images uploaded into posts (`images`, and `post_images`: which posts show which), every
saved version of a post (`post_revisions`), and two new fields on posts: a writer's
`summary` and a `cover_image_id`.

SQLite adds a foreign key only by rebuilding the table (batch mode), and the rebuild drops
the full-text search triggers on posts: they are made again afterwards, as the revision
that introduced them wrote them.

Revision ID: 6ba8bb82d9ec
Revises: e51d7c0a9b34
Create Date: 2026-12-03 03:43:14.588510

"""

import importlib.util
from pathlib import Path

import sqlalchemy as sa
from alembic import op

revision = "6ba8bb82d9ec"
down_revision = "e51d7c0a9b34"
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
    op.create_table(
        "images",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=16), nullable=False),
        sa.Column("extension", sa.String(length=4), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("alt", sa.String(length=200), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=True),
        sa.Column("storage_key", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_images_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_images")),
    )
    op.create_index("ix_images_user", "images", ["user_id", "id"])

    op.create_table(
        "post_images",
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("image_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["image_id"],
            ["images.id"],
            name=op.f("fk_post_images_image_id_images"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_post_images_post_id_posts"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("post_id", "image_id", name=op.f("pk_post_images")),
    )
    op.create_index(op.f("ix_post_images_image_id"), "post_images", ["image_id"])

    op.create_table(
        "post_revisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("is_pending", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("tags", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["posts.id"],
            name=op.f("fk_post_revisions_post_id_posts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_post_revisions_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_revisions")),
    )
    op.create_index("ix_post_revisions_post", "post_revisions", ["post_id", "created_at", "id"])

    with op.batch_alter_table("posts") as batch_op:
        batch_op.add_column(sa.Column("summary", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("cover_image_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_posts_cover_image_id_images"),
            "images",
            ["cover_image_id"],
            ["id"],
            ondelete="SET NULL",
        )
    make_search_triggers_again()


def downgrade():
    with op.batch_alter_table("posts") as batch_op:
        batch_op.drop_constraint(op.f("fk_posts_cover_image_id_images"), type_="foreignkey")
        batch_op.drop_column("cover_image_id")
        batch_op.drop_column("summary")
    make_search_triggers_again()
    op.drop_index("ix_post_revisions_post", table_name="post_revisions")
    op.drop_table("post_revisions")
    op.drop_index(op.f("ix_post_images_image_id"), table_name="post_images")
    op.drop_table("post_images")
    op.drop_index("ix_images_user", table_name="images")
    op.drop_table("images")
