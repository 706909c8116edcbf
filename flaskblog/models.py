"""The blog's data: users, their posts and their profile pictures."""

import hashlib
import hmac
from datetime import UTC, datetime
from functools import lru_cache

from flask import abort, current_app, request, url_for
from flask_login import UserMixin
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import DateTime, ForeignKey, Index, LargeBinary, String, Text, func
from sqlalchemy.orm import Mapped, deferred, joinedload, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from flaskblog.extensions import bcrypt, db, login_manager

RESET_SALT = "password-reset"


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

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(20))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

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

    def __repr__(self) -> str:
        return f"<User {self.id} {self.username!r}>"

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


class Post(db.Model):
    """A blog post."""

    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(100))
    content: Mapped[str] = mapped_column(Text)
    date_posted: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)

    author: Mapped[User] = relationship(back_populates="posts")

    def __repr__(self) -> str:
        return f"<Post {self.id} {self.title!r}>"

    def can_edit(self, user) -> bool:
        """Whether `user` may change or delete this post."""
        return user.is_authenticated and user.id == self.user_id

    @classmethod
    def newest_first(cls, author: User | None = None):
        """A query for posts, newest first, with their authors loaded in the same query."""
        query = (
            db.select(cls)
            .options(joinedload(cls.author))
            .order_by(cls.date_posted.desc(), cls.id.desc())
        )
        if author is not None:
            query = query.where(cls.user_id == author.id)
        return query

    @classmethod
    def page_from_request(cls, author: User | None = None):
        """The page of posts named by `?page=` (404 if it is not a page there is)."""
        # Post ids are 32-bit, so no page lies beyond this one; a bigger number would
        # overflow the database's OFFSET (a 500) instead of being past the end (a 404).
        if request.args.get("page", 1, type=int) > 2**31 - 1:
            abort(404)
        return db.paginate(cls.newest_first(author), per_page=current_app.config["POSTS_PER_PAGE"])


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Flask-Login's way back from the session cookie to a user."""
    try:
        return db.session.get(User, int(user_id))
    except ValueError:
        return None
