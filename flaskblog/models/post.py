"""Posts: their text, state, dates and the listings they appear in."""

import re
import unicodedata
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    and_,
    bindparam,
    case,
    func,
    true,
)
from sqlalchemy import inspect as inspect_state
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import (
    Mapped,
    WriteOnlyMapped,
    column_property,
    joinedload,
    mapped_column,
    query_expression,
    relationship,
    validates,
)
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.sql.functions import GenericFunction

from flaskblog.extensions import db
from flaskblog.models.image import Image, post_images
from flaskblog.models.tag import Tag, post_tags
from flaskblog.models.types import UTCDateTime, utcnow
from flaskblog.rendering import (
    FIRST_PARAGRAPH_TAG,
    OPENING_TAG,
    excerpt,
    minutes_to_read,
    opening_text,
    reading_minutes,
    render_markdown,
)

if TYPE_CHECKING:
    from flaskblog.models.comment import Comment
    from flaskblog.models.revision import Revision
    from flaskblog.models.user import User

# /post/<id>/update, /delete, /comment, /revisions and /report are a post's actions and pages: a
# slug must not be one. The <slug:...> converter (flaskblog.SlugConverter) refuses the
# same words, read from here.
RESERVED_SLUGS = frozenset(
    {"update", "delete", "comment", "revisions", "report", "bookmark", "unbookmark"}
)


def slugify(text: str) -> str:
    """A URL-friendly form of `text`: lower-case ASCII words joined by hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    slug = slug[: Post.SLUG_LENGTH].rstrip("-") or "post"
    return f"{slug}-post" if slug in RESERVED_SLUGS else slug


def _published_now_unless_draft(context) -> datetime | None:
    # A post is published when written unless it is saved as a draft.
    return utcnow() if context.get_current_parameters().get("is_published", True) else None


class position_of(GenericFunction):
    """Where `needle` first occurs in `text`, from 1; 0 if nowhere (SQLite's instr,
    PostgreSQL's strpos)."""

    type = Integer()
    inherit_cache = True


@compiles(position_of)
def _position_of_instr(element, compiler, **kw):
    return f"instr({compiler.process(element.clauses, **kw)})"


@compiles(position_of, "postgresql")
def _position_of_strpos(element, compiler, **kw):
    return f"strpos({compiler.process(element.clauses, **kw)})"


class Post(db.Model):
    """A blog post: Markdown source, rendered once when it is saved."""

    __tablename__ = "posts"

    # What public pages are made of: a change forgets cached pages (flaskblog.caching).
    shown_on_public_pages = True

    TITLE_LENGTH = 100
    CONTENT_LENGTH = 50_000
    MAX_TAGS = 5
    SLUG_LENGTH = 80
    SUMMARY_LENGTH = 300

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(TITLE_LENGTH))
    slug: Mapped[str] = mapped_column(String(SLUG_LENGTH))
    content: Mapped[str] = mapped_column(Text)
    content_html: Mapped[str] = mapped_column(Text)
    content_text: Mapped[str] = mapped_column(Text)
    # The start of the HTML from the opening paragraph on (see rendering._mark_opening):
    # what a listing needs for its excerpt, read without the rest of a post of up to
    # 50,000 characters. Listings load it (pagination.paginate); elsewhere it is not needed.
    OPENING_HTML_LENGTH = 4_000
    opening_html: Mapped[str] = column_property(
        func.substr(
            content_html,
            func.coalesce(
                func.nullif(position_of(content_html, OPENING_TAG), 0),
                func.nullif(position_of(content_html, FIRST_PARAGRAPH_TAG), 0),
                1,
            ),
            OPENING_HTML_LENGTH,
        ),
        deferred=True,
    )
    # The number of words of content_text (its words are one space apart: see
    # rendering.html_to_text), counted by the database, for listings' reading times.
    word_count: Mapped[int] = column_property(
        func.length(content_text)
        - func.length(func.replace(content_text, " ", ""))
        + case((content_text == "", 0), else_=1),
        deferred=True,
    )
    # The writer's own plain-text summary for listings, feeds and link previews, if any.
    summary: Mapped[str | None] = mapped_column(String(SUMMARY_LENGTH))
    cover_image_id: Mapped[int | None] = mapped_column(ForeignKey("images.id", ondelete="SET NULL"))
    is_published: Mapped[bool] = mapped_column(default=True, server_default=true())
    # The author may close a post to new comments; those already there stay shown.
    comments_enabled: Mapped[bool] = mapped_column(default=True, server_default=true())
    date_posted: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    published_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, default=_published_now_unless_draft
    )
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, onupdate=utcnow)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Loaded only by a search (flaskblog.search.queries): the text around the matches, and
    # the title with its matches marked.
    search_snippet: Mapped[str | None] = query_expression()
    search_title: Mapped[str | None] = query_expression()

    author: Mapped["User"] = relationship(back_populates="posts")
    tags: Mapped[list[Tag]] = relationship(secondary=post_tags, order_by=Tag.name, lazy="selectin")
    comments: Mapped[list["Comment"]] = relationship(
        back_populates="post",
        order_by="Comment.created_at, Comment.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    # Read through queries (post.revisions.select()), never loaded whole.
    revisions: WriteOnlyMapped["Revision"] = relationship(
        back_populates="post",
        order_by="Revision.created_at.desc(), Revision.id.desc()",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    cover: Mapped[Image | None] = relationship(foreign_keys=[cover_image_id])
    # The uploaded images the post shows (its Markdown's /image/ links and its cover).
    images: Mapped[list[Image]] = relationship(secondary=post_images)
    # comment_count, the number shown in listings, is added in models/comment.py: it is a
    # query over comments, which needs the Comment table defined first.

    __table_args__ = (
        # Every listing shows published posts newest first, everyone's or one author's.
        Index("ix_posts_published", "is_published", "published_at", "id"),
        Index("ix_posts_author_published", "user_id", "is_published", "published_at", "id"),
        # An author's drafts, most recently written first.
        Index("ix_posts_author_drafts", "user_id", "is_published", "date_posted", "id"),
    )

    def __repr__(self) -> str:
        return f"<Post {self.id} {self.title!r}>"

    @validates("title")
    def _set_slug(self, _key: str, title: str) -> str:
        self.slug = slugify(title)
        return title

    @validates("content")
    def _render(self, _key: str, source: str) -> str:
        rendered = render_markdown(source)
        self.content_html, self.content_text = rendered.html, rendered.text
        return source

    def rerender(self) -> bool:
        """Render the Markdown again, as the renderer now does it; whether that changed the
        HTML. Not an edit: updated_at, which readers see as the last change, is kept."""
        before = self.content_html, self.content_text
        self._render("content", self.content)
        if (self.content_html, self.content_text) == before:
            return False
        flag_modified(self, "updated_at")  # written as it was, so onupdate leaves it
        return True

    @hybrid_property
    def is_public(self) -> bool:
        """Published, and its publication time has come: what readers may see. A post
        published for later (scheduled) stays a draft to everyone but its author until
        then, and appears by itself at that time: no job flips a flag."""
        return self.is_published and self.published_at is not None and self.published_at <= utcnow()

    @is_public.inplace.expression
    @classmethod
    def _is_public_expression(cls):
        # "Now" is read when the statement runs, not when it is built: a statement built
        # once and kept (the login loader's) stays right, and every build caches alike.
        now = bindparam("now", type_=UTCDateTime(), unique=True, callable_=utcnow)
        return and_(cls.is_published, cls.published_at <= now)

    def publish(self) -> None:
        """Make the post public now; the first time sets its published date. A post that was
        scheduled for later (or taken back to the drafts while scheduled) appears now."""
        self.is_published = True
        now = utcnow()
        if self.published_at is None or self.published_at > now:
            self.published_at = now

    def schedule(self, when: datetime) -> None:
        """Publish the post at `when` (UTC, in the future): until then only its author sees
        it; then it appears everywhere by itself (see is_public)."""
        self.is_published = True
        self.published_at = when

    def unpublish(self) -> None:
        """Take the post back to the drafts; its first published date is kept."""
        self.is_published = False

    @property
    def is_scheduled(self) -> bool:
        """Published for a time still to come: its author alone sees it until then."""
        return self.is_published and not self.is_public

    @property
    def accepts_comments(self) -> bool:
        """Whether readers may comment now: the post is public and its author has not
        closed it to comments."""
        return self.is_public and self.comments_enabled

    @classmethod
    def count_by_since(cls, user_id: int, since: datetime) -> int:
        """How many posts (drafts too) a user has started since `since`."""
        return db.session.scalar(
            db.select(func.count(cls.id)).where(cls.user_id == user_id, cls.date_posted >= since)
        )

    def is_by(self, user) -> bool:
        """Whether `user` wrote this post."""
        return user.is_authenticated and user.id == self.user_id

    def can_edit(self, user) -> bool:
        """Whether `user` may change or delete this post: its author, or an admin once it is
        published (admins moderate what the public sees; a draft stays its author's alone)."""
        return self.is_by(user) or (self.is_public and user.is_authenticated and user.is_admin)

    def can_view(self, user) -> bool:
        """Public posts are everyone's; drafts and scheduled posts are their author's alone."""
        return self.is_public or self.is_by(user)

    @property
    def opening(self) -> str:
        """The words of the post's first paragraph (not its headings, lists, code, tables or
        quotes), from the start of its HTML if that is what was loaded."""
        unloaded = inspect_state(self).unloaded
        if "opening_html" not in unloaded and self.opening_html is not None:
            return opening_text(self.opening_html)
        return opening_text(self.content_html)

    @property
    def excerpt(self) -> str:
        """The writer's summary, else about 300 characters of the opening, for listings and
        feeds."""
        return self.summary or excerpt(self.opening, self.SUMMARY_LENGTH)

    @property
    def description(self) -> str:
        """The writer's summary, else about 160 characters of the opening, for search
        engines and link previews."""
        return self.summary or excerpt(self.opening, 160)

    @property
    def reading_minutes(self) -> int:
        """Minutes to read the post, from its word count if that is what was loaded."""
        if "word_count" not in inspect_state(self).unloaded and self.word_count is not None:
            return minutes_to_read(self.word_count)
        return reading_minutes(self.content_text)

    @classmethod
    def newest_first(cls, author: "User | None" = None, tag: Tag | None = None):
        """Public posts (published, their time come), newest first, with their authors
        loaded in the same query."""
        query = (
            db.select(cls)
            .where(cls.is_public)
            .options(joinedload(cls.author), joinedload(cls.cover))
            .order_by(cls.published_at.desc(), cls.id.desc())
        )
        if author is not None:
            query = query.where(cls.user_id == author.id)
        if tag is not None:
            query = query.where(cls.tags.contains(tag))
        return query

    @classmethod
    def drafts_of(cls, author: "User"):
        """An author's drafts, most recently written first."""
        return (
            db.select(cls)
            .where(cls.user_id == author.id, ~cls.is_published)
            .options(joinedload(cls.author), joinedload(cls.cover))
            .order_by(cls.date_posted.desc(), cls.id.desc())
        )

    @classmethod
    def scheduled_of(cls, author: "User"):
        """An author's scheduled posts, the next to appear first."""
        return (
            db.select(cls)
            .where(cls.user_id == author.id, cls.is_published, cls.published_at > utcnow())
            .options(joinedload(cls.author))
            .order_by(cls.published_at, cls.id)
        )

    @classmethod
    def next_scheduled_time(cls) -> datetime | None:
        """When the next scheduled post appears (None if none is waiting): until then the
        public pages stay as they are. One step down ix_posts_published."""
        return db.session.scalar(
            db.select(func.min(cls.published_at)).where(
                cls.is_published, cls.published_at > utcnow()
            )
        )
