"""markdown, drafts, tags, comments and search

Existing posts are rendered from their text as Markdown, marked published on the date
they were posted, and indexed for search.

Search lives outside the models (migrations/env.py leaves it out of autogenerate):
SQLite keeps an FTS5 table over posts.title and posts.content_text, fed by triggers;
PostgreSQL keeps a generated tsvector column with a GIN index. A later migration that
rebuilds the posts table in SQLite batch mode drops the triggers and must create them
again (see SQLITE_TRIGGERS below).

Revision ID: 9f1291851180
Revises: 5efd261c7e14
Create Date: 2026-11-24 09:03:10.114215

"""

import sqlalchemy as sa
from alembic import op

from flaskblog.models import slugify
from flaskblog.rendering import render_markdown

revision = "9f1291851180"
down_revision = "5efd261c7e14"
branch_labels = None
depends_on = None

SQLITE_SEARCH_TABLE = """
CREATE VIRTUAL TABLE posts_search USING fts5(
    title, content_text, content='posts', content_rowid='id',
    tokenize='porter unicode61 remove_diacritics 2'
)
"""
SQLITE_TRIGGERS = [
    """
    CREATE TRIGGER posts_search_insert AFTER INSERT ON posts BEGIN
        INSERT INTO posts_search (rowid, title, content_text)
        VALUES (new.id, new.title, new.content_text);
    END
    """,
    """
    CREATE TRIGGER posts_search_delete AFTER DELETE ON posts BEGIN
        INSERT INTO posts_search (posts_search, rowid, title, content_text)
        VALUES ('delete', old.id, old.title, old.content_text);
    END
    """,
    """
    CREATE TRIGGER posts_search_update AFTER UPDATE OF title, content_text ON posts BEGIN
        INSERT INTO posts_search (posts_search, rowid, title, content_text)
        VALUES ('delete', old.id, old.title, old.content_text);
        INSERT INTO posts_search (rowid, title, content_text)
        VALUES (new.id, new.title, new.content_text);
    END
    """,
]
# to_tsvector reads "<word ...>" as an HTML tag and skips it; the text here is plain (a
# post about <script> must find "script"), so '<' is turned into a space first.
POSTGRES_SEARCH_COLUMN = """
ALTER TABLE posts ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', replace(title, '<', ' ')), 'A')
    || setweight(to_tsvector('english', replace(content_text, '<', ' ')), 'B')
) STORED
"""

posts = sa.table(
    "posts",
    sa.column("id", sa.Integer),
    sa.column("title", sa.String),
    sa.column("content", sa.Text),
    sa.column("slug", sa.String),
    sa.column("content_html", sa.Text),
    sa.column("content_text", sa.Text),
    sa.column("date_posted", sa.DateTime(timezone=True)),
    sa.column("published_at", sa.DateTime(timezone=True)),
)


def upgrade():
    op.create_table(
        "tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=30), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tags")),
        sa.UniqueConstraint("name", name=op.f("uq_tags_name")),
    )
    op.create_table(
        "post_tags",
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_post_tags_post_id_posts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name=op.f("fk_post_tags_tag_id_tags"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("post_id", "tag_id", name=op.f("pk_post_tags")),
    )
    op.create_index(op.f("ix_post_tags_tag_id"), "post_tags", ["tag_id"], unique=False)
    op.create_table(
        "comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"], ["posts.id"], name=op.f("fk_comments_post_id_posts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_comments_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comments")),
    )
    op.create_index(op.f("ix_comments_post_id"), "comments", ["post_id"], unique=False)
    op.create_index(op.f("ix_comments_user_id"), "comments", ["user_id"], unique=False)

    with op.batch_alter_table("posts") as batch_op:
        batch_op.add_column(sa.Column("slug", sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column("content_html", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("content_text", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("is_published", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch_op.add_column(sa.Column("published_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))

    # Posts written before Markdown: render them once, publish them as of their date.
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(posts.c.id, posts.c.title, posts.c.content, posts.c.date_posted)
    ).all()
    for post_id, title, content, date_posted in rows:
        rendered = render_markdown(content)
        connection.execute(
            posts.update()
            .where(posts.c.id == post_id)
            .values(
                slug=slugify(title),
                content_html=rendered.html,
                content_text=rendered.text,
                published_at=date_posted,
            )
        )

    with op.batch_alter_table("posts") as batch_op:
        batch_op.alter_column("slug", existing_type=sa.String(length=80), nullable=False)
        batch_op.alter_column("content_html", existing_type=sa.Text(), nullable=False)
        batch_op.alter_column("content_text", existing_type=sa.Text(), nullable=False)
        batch_op.create_index(
            "ix_posts_published", ["is_published", "published_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_posts_author_published",
            ["user_id", "is_published", "published_at", "id"],
            unique=False,
        )

    if connection.dialect.name == "sqlite":
        op.execute(SQLITE_SEARCH_TABLE)
        for trigger in SQLITE_TRIGGERS:
            op.execute(trigger)
        op.execute("INSERT INTO posts_search (posts_search) VALUES ('rebuild')")
    elif connection.dialect.name == "postgresql":
        op.execute(POSTGRES_SEARCH_COLUMN)
        op.create_index(
            "ix_posts_search_vector", "posts", ["search_vector"], postgresql_using="gin"
        )


def downgrade():
    connection = op.get_bind()
    if connection.dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER posts_search_{trigger}")
        op.execute("DROP TABLE posts_search")
    elif connection.dialect.name == "postgresql":
        op.drop_index("ix_posts_search_vector", table_name="posts")
        op.drop_column("posts", "search_vector")

    with op.batch_alter_table("posts") as batch_op:
        batch_op.drop_index("ix_posts_author_published")
        batch_op.drop_index("ix_posts_published")
        for column in (
            "updated_at", "published_at", "is_published", "content_text", "content_html", "slug"
        ):  # fmt: skip
            batch_op.drop_column(column)

    op.drop_index(op.f("ix_comments_user_id"), table_name="comments")
    op.drop_index(op.f("ix_comments_post_id"), table_name="comments")
    op.drop_table("comments")
    op.drop_index(op.f("ix_post_tags_tag_id"), table_name="post_tags")
    op.drop_table("post_tags")
    op.drop_table("tags")
