"""The blog's data: users, their posts and their profile pictures."""

import hashlib
import hmac
import re
import secrets
import unicodedata
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from flask import abort, current_app, request, url_for
from flask_login import UserMixin
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Table,
    Text,
    false,
    func,
    true,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import (
    Mapped,
    column_property,
    defer,
    deferred,
    joinedload,
    mapped_column,
    query_expression,
    relationship,
    validates,
    with_expression,
)
from sqlalchemy.types import TypeDecorator

from flaskblog.extensions import bcrypt, db, login_manager
from flaskblog.rendering import excerpt, reading_minutes, render_comment, render_markdown

# Ids are 32-bit integers in the database: no id, and no page number, lies beyond this.
MAX_ID = 2**31 - 1

RESET_SALT = "password-reset"
EMAIL_CONFIRM_SALT = "email-confirm"


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp that is always stored and returned as timezone-aware UTC.

    PostgreSQL keeps the zone (`timestamptz`); SQLite keeps none, so values are
    converted to UTC on the way in and labelled UTC on the way out.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass a timezone-aware one")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


@lru_cache(maxsize=4)
def _dummy_password_hash(rounds: int) -> bytes:
    return bcrypt.generate_password_hash("no account has this password", rounds)


class User(UserMixin, db.Model):
    """Someone who can log in and write posts."""

    __tablename__ = "users"

    # Every form, API schema and message reads these limits from here.
    USERNAME_MIN_LENGTH = 2
    USERNAME_LENGTH = 20
    # Letters, digits, '_', '.' and '-', but not only dots (URLs read those as folders).
    USERNAME_PATTERN = r"^(?!\.+$)[A-Za-z0-9_.-]+$"
    EMAIL_LENGTH = 254
    PASSWORD_MIN_LENGTH = 8
    PASSWORD_MAX_LENGTH = 128

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(USERNAME_LENGTH))
    email: Mapped[str] = mapped_column(String(EMAIL_LENGTH), unique=True)
    password_hash: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_admin: Mapped[bool] = mapped_column(default=False, server_default=false())
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    posts: Mapped[list["Post"]] = relationship(
        back_populates="author", cascade="all, delete-orphan", passive_deletes=True
    )
    # Joined so that every page showing a user can build the picture URL without
    # another query; the image bytes themselves are deferred.
    avatar: Mapped["Avatar | None"] = relationship(
        lazy="joined", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (
        # Usernames keep their case for display but are unique regardless of it.
        Index("uq_users_username_lower", func.lower(username), unique=True),
    )

    # Loaded only by User.profile: how many posts the user has published.
    post_count: Mapped[int | None] = query_expression()

    # The login this request belongs to (see start_session and load_user); not stored.
    login_token = None

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username!r}>"

    def get_id(self) -> str | None:
        """What the session and remember-me cookies hold: this login's token, not the user id,
        so that ending the login on the server ends every copy of the cookie too."""
        return self.login_token

    @property
    def is_active(self) -> bool:
        """Disabled accounts cannot log in (Flask-Login asks this)."""
        return self.disabled_at is None

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None

    def start_session(self, *, remember: bool, user_agent: str, ip: str | None) -> "UserSession":
        """Record a new login and make it this request's; returns its row (token in login_token)."""
        self.login_token = secrets.token_urlsafe(32)
        login = UserSession(
            id=UserSession.hash(self.login_token),
            user=self,
            remember=remember,
            user_agent=user_agent[: UserSession.USER_AGENT_LENGTH],
            ip=ip,
        )
        db.session.add(login)
        return login

    def end_session(self) -> None:
        """End this request's login (logging out): its cookies stop working everywhere."""
        if self.login_token:
            db.session.execute(
                db.delete(UserSession).where(UserSession.id == UserSession.hash(self.login_token))
            )
            self.login_token = None

    def end_other_sessions(self) -> None:
        """End every login but this request's (all of them outside a login, as on a reset)."""
        query = db.delete(UserSession).where(UserSession.user_id == self.id)
        if self.login_token:
            query = query.where(UserSession.id != UserSession.hash(self.login_token))
        db.session.execute(query)

    def disable(self) -> None:
        """Lock the account (an admin's decision): it cannot log in, and every login ends now."""
        self.disabled_at = self.disabled_at or utcnow()
        db.session.execute(db.delete(UserSession).where(UserSession.user_id == self.id))

    def enable(self) -> None:
        """Let a disabled account log in again."""
        self.disabled_at = None

    def set_password(self, password: str) -> None:
        """Store a bcrypt hash of `password` (any length: see BCRYPT_HANDLE_LONG_PASSWORDS)."""
        self.password_hash = bcrypt.generate_password_hash(password).decode("ascii")

    def check_password(self, password: str) -> bool:
        """Whether `password` is this user's password."""
        return bcrypt.check_password_hash(self.password_hash, password)

    @classmethod
    def by_email(cls, email: str) -> "User | None":
        """The user with this email address, compared without regard to case."""
        return db.session.scalar(db.select(cls).where(cls.email == email.strip().lower()))

    @classmethod
    def by_username(cls, username: str) -> "User | None":
        """The user with this username, compared without regard to case."""
        return db.session.scalar(
            db.select(cls).where(func.lower(cls.username) == username.strip().lower())
        )

    @classmethod
    def profile(cls, username: str) -> "User | None":
        """`by_username`, with `post_count` (published posts) counted in the same query:
        an index range of the author's posts, not a scan."""
        if len(username) > cls.USERNAME_LENGTH:
            return None
        count = (
            db.select(func.count(Post.id))
            .where(Post.user_id == cls.id, Post.is_published)
            .correlate(cls)
            .scalar_subquery()
        )
        return db.session.scalar(
            db.select(cls)
            .where(func.lower(cls.username) == username.strip().lower())
            .options(with_expression(cls.post_count, count))
        )

    @classmethod
    def authenticate(cls, email: str, password: str) -> "User | None":
        """The user if the email and password match, else None.

        An unknown email still costs one bcrypt check, so the response time
        does not tell which addresses have accounts.
        """
        user = cls.by_email(email)
        if user is None:
            bcrypt.check_password_hash(
                _dummy_password_hash(current_app.config["BCRYPT_LOG_ROUNDS"]), password
            )
            return None
        return user if user.check_password(password) else None

    def _password_fingerprint(self) -> str:
        # Changes whenever the password does, which makes reset tokens single-use.
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]

    @staticmethod
    def _reset_serializer() -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RESET_SALT)

    def get_reset_token(self) -> str:
        """A signed token for the reset link; it expires and dies with the current password."""
        return self._reset_serializer().dumps({"user": self.id, "pw": self._password_fingerprint()})

    @classmethod
    def verify_reset_token(cls, token: str) -> "User | None":
        """The user a reset token belongs to, or None if it is forged, expired or used."""
        try:
            data = cls._reset_serializer().loads(
                token, max_age=current_app.config["RESET_TOKEN_MAX_AGE"]
            )
            user_id, fingerprint = int(data["user"]), str(data["pw"])
        except (BadSignature, KeyError, TypeError, ValueError):
            return None
        user = db.session.get(cls, user_id)
        if user is None or not hmac.compare_digest(fingerprint, user._password_fingerprint()):
            return None
        return user

    def _email_state(self) -> str | None:
        # Changes when the address is confirmed or replaced, which makes confirmation links
        # single-use and lets a newer change outdate an older link.
        return self.confirmed_at.isoformat() if self.confirmed_at else None

    @staticmethod
    def _email_serializer() -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=EMAIL_CONFIRM_SALT)

    def get_email_token(self, email: str | None = None) -> str:
        """A signed token confirming `email` (by default the current address) for this user.

        It names the address the user has now and stops working once that changes.
        """
        return self._email_serializer().dumps(
            {
                "user": self.id,
                "email": email or self.email,
                "was": self.email,
                "state": self._email_state(),
            }
        )

    @classmethod
    def verify_email_token(cls, token: str) -> "tuple[User, str] | None":
        """(user, address to confirm) for a confirmation token, or None if it is forged,
        expired, used or outdated by a change of address."""
        try:
            data = cls._email_serializer().loads(
                token, max_age=current_app.config["CONFIRM_TOKEN_MAX_AGE"]
            )
            user_id = int(data["user"])
            email, was, state = data["email"], data["was"], data["state"]
        except (BadSignature, KeyError, TypeError, ValueError):
            return None
        if not (isinstance(email, str) and isinstance(was, str) and 0 < user_id < 2**31):
            return None
        user = db.session.get(cls, user_id)
        if user is None or user.email != was or user._email_state() != state:
            return None
        return user, email

    def confirm_email(self, email: str) -> None:
        """Make `email` this user's confirmed address."""
        self.email = email
        self.confirmed_at = utcnow()

    @property
    def avatar_url(self) -> str:
        """Where the profile picture is served; the URL changes with the picture."""
        if self.avatar is None:
            return url_for("static", filename="img/default-avatar.svg")
        return url_for("users.avatar", user_id=self.id, digest=self.avatar.digest)

    def set_avatar(self, image: bytes) -> None:
        """Replace the profile picture with `image` (already processed WebP bytes)."""
        digest = hashlib.sha256(image).hexdigest()[: Avatar.DIGEST_LENGTH]
        if self.avatar is None:
            self.avatar = Avatar(image=image, digest=digest)
        else:
            self.avatar.image, self.avatar.digest, self.avatar.updated_at = image, digest, utcnow()


class Avatar(db.Model):
    """A user's profile picture, kept in the database so every app instance can serve it."""

    __tablename__ = "avatars"

    MIMETYPE = "image/webp"
    DIGEST_LENGTH = 16

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    digest: Mapped[str] = mapped_column(String(DIGEST_LENGTH))
    image: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# /post/<id>/update, /delete and /comment are a post's actions: a slug must not be one.
RESERVED_SLUGS = frozenset({"update", "delete", "comment"})


def slugify(text: str) -> str:
    """A URL-friendly form of `text`: lower-case ASCII words joined by hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    slug = slug[: Post.SLUG_LENGTH].rstrip("-") or "post"
    return f"{slug}-post" if slug in RESERVED_SLUGS else slug


def _published_now_unless_draft(context) -> datetime | None:
    # A post is published when written unless it is saved as a draft.
    return utcnow() if context.get_current_parameters().get("is_published", True) else None


post_tags = Table(
    "post_tags",
    db.metadata,
    Column("post_id", ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Tag(db.Model):
    """A topic posts can share; names are lower-case letters, digits and hyphens."""

    __tablename__ = "tags"

    NAME_LENGTH = 30
    NAME_PATTERN = rf"[a-z0-9-]{{1,{NAME_LENGTH}}}"
    NAME_RULE = f"1 to {NAME_LENGTH} lower-case letters, digits or hyphens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH), unique=True)

    def __repr__(self) -> str:
        return f"<Tag {self.name!r}>"

    @classmethod
    def named(cls, names: list[str]) -> list["Tag"]:
        """The tags with these names, created where missing, in the order given."""
        found = {
            tag.name: tag for tag in db.session.scalars(db.select(cls).where(cls.name.in_(names)))
        }
        for name in names:
            if name not in found:
                found[name] = cls._create(name)
        return [found[name] for name in names]

    @classmethod
    def _create(cls, name: str) -> "Tag":
        # Another request may create the same tag at the same moment: the savepoint lets
        # this one take the other's row instead of failing the whole post.
        try:
            with db.session.begin_nested():
                tag = cls(name=name)
                db.session.add(tag)
            return tag
        except IntegrityError:
            return db.session.scalars(db.select(cls).where(cls.name == name)).one()

    @classmethod
    def by_name(cls, name: str) -> "Tag | None":
        """The tag with this name (any case), or None."""
        return db.session.scalar(db.select(cls).where(cls.name == name.lower()))

    @classmethod
    def with_post_counts(cls):
        """(tag, number of published posts) for every tag that has one, by name."""
        count = func.count(Post.id).label("posts")
        return db.session.execute(
            db.select(cls, count)
            .join(post_tags, post_tags.c.tag_id == cls.id)
            .join(Post, (Post.id == post_tags.c.post_id) & Post.is_published)
            .group_by(cls.id)
            .order_by(cls.name)
        ).all()


class Post(db.Model):
    """A blog post: Markdown source, rendered once when it is saved."""

    __tablename__ = "posts"

    TITLE_LENGTH = 100
    CONTENT_LENGTH = 50_000
    MAX_TAGS = 5
    SLUG_LENGTH = 80

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(TITLE_LENGTH))
    slug: Mapped[str] = mapped_column(String(SLUG_LENGTH))
    content: Mapped[str] = mapped_column(Text)
    content_html: Mapped[str] = mapped_column(Text)
    content_text: Mapped[str] = mapped_column(Text)
    is_published: Mapped[bool] = mapped_column(default=True, server_default=true())
    date_posted: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    published_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, default=_published_now_unless_draft
    )
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, onupdate=utcnow)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Loaded only by a search (flaskblog.search.queries): the text around the matches.
    search_snippet: Mapped[str | None] = query_expression()

    author: Mapped[User] = relationship(back_populates="posts")
    tags: Mapped[list[Tag]] = relationship(secondary=post_tags, order_by=Tag.name, lazy="selectin")
    comments: Mapped[list["Comment"]] = relationship(
        back_populates="post",
        order_by="Comment.created_at, Comment.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

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

    def publish(self) -> None:
        """Make the post public; the first time sets its published date."""
        self.is_published = True
        self.published_at = self.published_at or utcnow()

    def unpublish(self) -> None:
        """Take the post back to the drafts; its first published date is kept."""
        self.is_published = False

    def is_by(self, user) -> bool:
        """Whether `user` wrote this post."""
        return user.is_authenticated and user.id == self.user_id

    def can_edit(self, user) -> bool:
        """Whether `user` may change or delete this post: its author, or an admin once it is
        published (admins moderate what the public sees; a draft stays its author's alone)."""
        return self.is_by(user) or (self.is_published and user.is_authenticated and user.is_admin)

    def can_view(self, user) -> bool:
        """Published posts are public; drafts are their author's alone."""
        return self.is_published or self.is_by(user)

    @property
    def excerpt(self) -> str:
        """About 300 characters of the post's text, for listings."""
        return excerpt(self.content_text)

    @property
    def description(self) -> str:
        """A short summary for search engines and link previews."""
        return excerpt(self.content_text, 160)

    @property
    def reading_minutes(self) -> int:
        return reading_minutes(self.content_text)

    @property
    def url(self) -> str:
        """The post's canonical address."""
        return url_for("posts.post", post_id=self.id, slug=self.slug)

    @classmethod
    def newest_first(cls, author: User | None = None, tag: Tag | None = None):
        """Published posts, newest first, with their authors loaded in the same query."""
        query = (
            db.select(cls)
            .where(cls.is_published)
            .options(joinedload(cls.author))
            .order_by(cls.published_at.desc(), cls.id.desc())
        )
        if author is not None:
            query = query.where(cls.user_id == author.id)
        if tag is not None:
            query = query.where(cls.tags.contains(tag))
        return query

    @classmethod
    def drafts_of(cls, author: User):
        """An author's drafts, most recently written first."""
        return (
            db.select(cls)
            .where(cls.user_id == author.id, ~cls.is_published)
            .options(joinedload(cls.author))
            .order_by(cls.date_posted.desc(), cls.id.desc())
        )


class Page:
    """One page of a listing, found without counting the listing: the query that reads the
    page also counts how many posts follow it, up to LOOKAHEAD pages' worth (index entries
    only), which tells the pager the next few page numbers and whether more lie beyond.

    `total` is known only when the caller counted it cheaply (the user page counts its
    author's posts along with the user); then the pager links the last page too.
    """

    # Pages after this one that the pager links by number (its right_current).
    LOOKAHEAD = 3

    def __init__(self, items: list, page: int, per_page: int, following: int, total=None):
        # following: posts from this page's first one on, counted up to the lookahead.
        self.items, self.page, self.per_page = items, page, per_page
        self.following, self.total = following, total

    def __iter__(self):
        return iter(self.items)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        if self.total is not None:
            return self.page < self.pages
        return self.following > self.per_page

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    @property
    def last_is_known(self) -> bool:
        return self.total is not None or self.following <= self.per_page * (1 + self.LOOKAHEAD)

    @property
    def pages(self) -> int:
        """The last page there is, or the last one known to exist when `total` is unknown."""
        if self.total is not None:
            return max(1, -(-self.total // self.per_page))
        return max(self.page, self.page - 1 + -(-self.following // self.per_page))

    def iter_pages(self, *, left_edge=1, left_current=2, right_current=LOOKAHEAD, right_edge=1):
        """Page numbers to link, None where a gap goes, as Flask-SQLAlchemy's pager does;
        when the last page is not known, a gap ends the list instead of its number."""
        end = self.pages + 1
        left_end = min(1 + left_edge, end)
        yield from range(1, left_end)
        mid_start = max(left_end, self.page - left_current)
        mid_end = min(self.page + right_current + 1, end)
        if mid_start > left_end:
            yield None
        yield from range(mid_start, mid_end)
        if not self.last_is_known:
            yield None
            return
        right_start = max(mid_end, end - right_edge)
        if right_start > mid_end:
            yield None
        yield from range(right_start, end)


def page_number() -> int:
    """The page named by `?page=` (1 if absent); 404 if it is not a page number."""
    try:
        page = int(request.args.get("page", "1"))
    except ValueError:
        abort(404)
    # Post ids are 32-bit, so no page lies beyond this one; a bigger number would
    # overflow the database's OFFSET (a 500) instead of being past the end (a 404).
    if page < 1 or page > 2**31 - 1:
        abort(404)
    return page


def paginate(query, *, total: int | None = None, from_index: bool = True) -> Page:
    """The page of `query` (a select of Post) named by `?page=`; 404 past the last page.

    One statement: the page's post ids are picked from the listing's index alone (LIMIT
    and OFFSET over index entries, never over whole rows), then only those posts are read
    with their authors, pictures and comment counts. So page 2,000 costs about what page 1
    does, and nothing counts the whole listing (see Page).

    `from_index=False` is for a query no index orders (search's ranking) and that gives
    its `total`: the page is then read with a plain LIMIT and OFFSET.
    """
    page, per_page = page_number(), current_app.config["POSTS_PER_PAGE"]
    if not from_index:
        items = list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)))
        if not items and page > 1:
            abort(404)
        return Page(items, page, per_page, len(items), total)
    ids = query.with_only_columns(Post.id).offset((page - 1) * per_page)
    on_page = ids.limit(per_page).subquery("page_ids")
    following = (
        db.select(func.count())
        .select_from(ids.limit(per_page * (1 + Page.LOOKAHEAD) + 1).subquery("following_ids"))
        .scalar_subquery()
    )
    # Listings show an excerpt of the text: the Markdown and its HTML stay in the database.
    listed = query.options(defer(Post.content), defer(Post.content_html))
    rows = db.session.execute(
        listed.join(on_page, on_page.c.id == Post.id).add_columns(following)
    ).all()
    if not rows and page > 1:
        abort(404)
    return Page([post for post, _ in rows], page, per_page, rows[0][1] if rows else 0, total)


class Comment(db.Model):
    """A reader's plain-text reply under a post."""

    __tablename__ = "comments"

    MAX_LENGTH = 2000

    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)

    post: Mapped[Post] = relationship(back_populates="comments")
    author: Mapped[User] = relationship(lazy="joined")

    __table_args__ = (
        # A post's comments in the order they are shown; listings count them from it too.
        Index("ix_comments_post_created", "post_id", "created_at", "id"),
    )

    def __repr__(self) -> str:
        return f"<Comment {self.id} on post {self.post_id}>"

    @property
    def body_html(self):
        """The comment as safe HTML: escaped, with its line breaks and links."""
        return render_comment(self.body)

    def can_delete(self, user) -> bool:
        """The comment's author, the post's author and admins may delete it."""
        return user.is_authenticated and (
            user.id in (self.user_id, self.post.user_id) or user.is_admin
        )


# Listings show how many comments each post has, counted in the listing's own query.
# correlate_except: a query that loads comments with their post must still count from comments.
Post.comment_count = column_property(
    db.select(func.count(Comment.id))
    .where(Comment.post_id == Post.id)
    .correlate_except(Comment)
    .scalar_subquery()
)


class UserSession(db.Model):
    """One login, which the session and remember-me cookies point at; ending it (logout,
    password change, "sign out everywhere else") makes every copy of those cookies useless."""

    __tablename__ = "sessions"

    USER_AGENT_LENGTH = 200
    # last_seen_at is written at most this often, not on every request.
    TOUCH_INTERVAL = timedelta(minutes=5)

    # A SHA-256 of the token in the cookie: the table alone does not let anyone log in.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    remember: Mapped[bool] = mapped_column(default=False)
    user_agent: Mapped[str] = mapped_column(String(USER_AGENT_LENGTH), default="")
    ip: Mapped[str | None] = mapped_column(String(45))

    user: Mapped[User] = relationship(lazy="joined")

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    def expires_at(self) -> datetime:
        """Remember-me logins last a fixed time from login; others end when left idle."""
        if self.remember:
            return self.created_at + current_app.config["REMEMBER_COOKIE_DURATION"]
        return self.last_seen_at + timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])

    def is_current(self, now: datetime) -> bool:
        return now < self.expires_at() and self.user.is_active

    @property
    def handle(self) -> str:
        """What pages call this login by: a keyed hash of its id, so the id stays out of them."""
        key = current_app.config["SECRET_KEY"].encode()
        return hmac.new(key, self.id.encode(), hashlib.sha256).hexdigest()[:16]

    def made_this_request(self, user: User) -> bool:
        """Whether `user` is making the current request through this login."""
        return bool(user.login_token) and self.id == self.hash(user.login_token)

    @classmethod
    def for_user(cls, user: User) -> list["UserSession"]:
        """A user's logins that have not ended, most recently used first."""
        now = utcnow()
        logins = db.session.scalars(
            db.select(cls).where(cls.user_id == user.id).order_by(cls.last_seen_at.desc())
        )
        return [login for login in logins if login.is_current(now)]

    @classmethod
    def by_handle(cls, user: User, handle: str) -> "UserSession | None":
        """The current login of `user` that `handle` names (see `handle`), or None."""
        wanted = handle.encode()  # compare_digest refuses non-ASCII text, not bytes
        for login in cls.for_user(user):
            if hmac.compare_digest(login.handle.encode(), wanted):
                return login
        return None


@login_manager.user_loader
def load_user(token: str) -> User | None:
    """Flask-Login's way back from a cookie to a user: through a login that has not ended."""
    login = db.session.get(UserSession, UserSession.hash(token))
    now = utcnow()
    if login is None or not login.is_current(now):
        return None
    if now - login.last_seen_at > UserSession.TOUCH_INTERVAL:
        login.last_seen_at = now
        db.session.commit()
    login.user.login_token = token
    return login.user
