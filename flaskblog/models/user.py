"""Accounts: who can log in, their passwords, their email tokens and their pictures."""

import hashlib
import hmac
import secrets
from datetime import datetime
from functools import lru_cache

from flask import current_app
from flask_login import UserMixin
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import ForeignKey, Index, LargeBinary, String, false, func
from sqlalchemy.orm import (
    Mapped,
    deferred,
    mapped_column,
    query_expression,
    relationship,
    with_expression,
)

from flaskblog.extensions import bcrypt, db
from flaskblog.models.post import Post
from flaskblog.models.session import UserSession
from flaskblog.models.types import MAX_ID, UTCDateTime, utcnow

RESET_SALT = "password-reset"
EMAIL_CONFIRM_SALT = "email-confirm"


@lru_cache(maxsize=4)
def _dummy_password_hash(rounds: int) -> bytes:
    return bcrypt.generate_password_hash("no account has this password", rounds)


class User(UserMixin, db.Model):
    """Someone who can log in and write posts."""

    __tablename__ = "users"

    # Public pages show a user by name only (the picture is an Avatar): a new or deleted
    # user, or a changed username, forgets cached pages; a password, an address or a flag
    # does not (see flaskblog.caching).
    shown_on_public_pages = frozenset({"username"})

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
    # Joined so that every page showing a user can build the picture URL (urls.avatar_url)
    # without another query; the image bytes themselves are deferred.
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
        """The user with this username, compared without regard to case; a name longer than
        any username is answered without asking the database."""
        if len(username) > cls.USERNAME_LENGTH:
            return None
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
        if not (isinstance(email, str) and isinstance(was, str) and 0 < user_id <= MAX_ID):
            return None
        user = db.session.get(cls, user_id)
        if user is None or user.email != was or user._email_state() != state:
            return None
        return user, email

    def confirm_email(self, email: str) -> None:
        """Make `email` this user's confirmed address."""
        self.email = email
        self.confirmed_at = utcnow()

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

    # Beside every post and on profiles: a change forgets cached pages (flaskblog.caching).
    shown_on_public_pages = True

    MIMETYPE = "image/webp"
    DIGEST_LENGTH = 16

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    digest: Mapped[str] = mapped_column(String(DIGEST_LENGTH))
    image: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
