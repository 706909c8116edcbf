"""Accounts: who can log in, their passwords and logins, and their pictures. The tokens in
the links they are emailed are in account_tokens.py, the profile readers see in profile.py."""

import hashlib
import secrets
from datetime import datetime, timedelta
from functools import lru_cache

from flask import current_app
from flask_login import UserMixin
from sqlalchemy import BigInteger, ForeignKey, Index, LargeBinary, String, false, func
from sqlalchemy.orm import (
    Mapped,
    deferred,
    mapped_column,
    query_expression,
    relationship,
    with_expression,
)

from flaskblog.extensions import bcrypt, db
from flaskblog.models.account_tokens import AccountTokens
from flaskblog.models.api_token import ApiToken
from flaskblog.models.post import Post
from flaskblog.models.profile import Profile
from flaskblog.models.session import UserSession
from flaskblog.models.two_factor import (
    RecoveryCode,
    claim_step,
    matching_step,
    new_totp_secret,
    provisioning_uri,
)
from flaskblog.models.types import UTCDateTime, utcnow
from flaskblog.rendering import USERNAME_CHARACTERS


def new_security_stamp() -> str:
    """A fresh random security stamp (see User.security_stamp)."""
    return secrets.token_hex(16)


@lru_cache(maxsize=4)
def _dummy_password_hash(rounds: int) -> bytes:
    return bcrypt.generate_password_hash("no account has this password", rounds)


class User(AccountTokens, Profile, UserMixin, db.Model):
    """Someone who can log in and write posts."""

    __tablename__ = "users"

    # Public pages show a user's name, bio and website (the picture is an Avatar): a new or
    # deleted user, or a change to those, forgets cached pages; so does disabling or
    # enabling one (profiles count only active followers); a password, an address, a time
    # zone or another flag does not (see flaskblog.caching).
    shown_on_public_pages = frozenset({"username", "about_me", "website", "disabled_at"})

    # Every form, API schema and message reads these limits from here.
    USERNAME_MIN_LENGTH = 2
    USERNAME_LENGTH = 20
    # Letters, digits, '_', '.' and '-', but not only dots (URLs read those as folders).
    USERNAME_PATTERN = rf"^(?!\.+$)[{USERNAME_CHARACTERS}]+$"
    EMAIL_LENGTH = 254
    PASSWORD_MIN_LENGTH = 8
    PASSWORD_MAX_LENGTH = 128
    SECURITY_STAMP_LENGTH = 32
    TOTP_SECRET_LENGTH = 32
    # The site's colour themes; an account without one follows its device's preference.
    THEMES = ("light", "dark")
    THEME_LENGTH = 5
    # An account this young is held to tighter limits on posting and commenting (spam).
    NEW_ACCOUNT_HOURS = 24

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(USERNAME_LENGTH))
    email: Mapped[str] = mapped_column(String(EMAIL_LENGTH), unique=True)
    password_hash: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_admin: Mapped[bool] = mapped_column(default=False, server_default=false())
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Every account token (reset, confirmation, email change, and any later kind) carries a
    # digest of this; a new stamp kills them all at once. It changes with the password and
    # the address, on "sign out everywhere else", and when the account is disabled.
    security_stamp: Mapped[str] = mapped_column(
        String(SECURITY_STAMP_LENGTH), default=new_security_stamp
    )
    # Two-factor login (flaskblog.models.two_factor): the authenticator app's secret, when
    # it was turned on, and the last time step whose code was accepted (no replays).
    totp_secret: Mapped[str | None] = mapped_column(String(TOTP_SECRET_LENGTH))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    theme: Mapped[str | None] = mapped_column(String(THEME_LENGTH))

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
        # SQLite would otherwise hand a deleted user's id to the next sign-up, and with it
        # the old account's links and pages (PostgreSQL's sequences never reuse one).
        {"sqlite_autoincrement": True},
    )

    # Loaded only by User.profile: how many posts the user has published.
    post_count: Mapped[int | None] = query_expression()
    # Loaded only by User.profile: active followers, active users followed, and whether the
    # reader looking follows this user.
    follower_count: Mapped[int | None] = query_expression()
    following_count: Mapped[int | None] = query_expression()
    followed_by_viewer: Mapped[bool | None] = query_expression()
    # Loaded only by User.profile: whether the reader looking has blocked this user.
    blocked_by_viewer: Mapped[bool | None] = query_expression()
    # Loaded only by User.directory (the admins' list): every post, drafts included.
    posts_written: Mapped[int | None] = query_expression()

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

    def is_new_account(self, now: datetime | None = None) -> bool:
        """Whether the account is younger than NEW_ACCOUNT_HOURS."""
        return (now or utcnow()) - self.created_at < timedelta(hours=self.NEW_ACCOUNT_HOURS)

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

    def sign_out_everywhere_else(self) -> None:
        """End every login but this request's (all of them outside a login, as on a reset),
        every API token, and every link emailed so far (a pending change of address too)."""
        query = db.delete(UserSession).where(UserSession.user_id == self.id)
        if self.login_token:
            query = query.where(UserSession.id != UserSession.hash(self.login_token))
        db.session.execute(query)
        db.session.execute(db.delete(ApiToken).where(ApiToken.user_id == self.id))
        self.rotate_security_stamp()

    def disable(self) -> None:
        """Lock the account (an admin's decision): it cannot log in, every login and API token
        ends now, and no link emailed before works, even once it is enabled again."""
        self.disabled_at = self.disabled_at or utcnow()
        self.login_token = None
        self.sign_out_everywhere_else()

    def enable(self) -> None:
        """Let a disabled account log in again (with new logins and tokens only)."""
        self.disabled_at = None

    def rotate_security_stamp(self) -> None:
        """Give the account a new security stamp: every account token issued before dies."""
        self.security_stamp = new_security_stamp()

    def set_password(self, password: str) -> None:
        """Store a bcrypt hash of `password` (any length: see BCRYPT_HANDLE_LONG_PASSWORDS);
        every link emailed under the old password stops working."""
        self.password_hash = bcrypt.generate_password_hash(password).decode("ascii")
        self.rotate_security_stamp()

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
    def profile(cls, username: str, viewer_id: int | None = None) -> "User | None":
        """`by_username`, with `post_count` (public posts) counted in the same query:
        an index range of the author's posts, not a scan; and with the follower and
        following counts, and whether `viewer_id` follows the user (see Follow) or has
        blocked them (see Block)."""
        from flaskblog.models.block import Block  # block.py imports this module
        from flaskblog.models.follow import Follow  # follow.py imports this module

        if len(username) > cls.USERNAME_LENGTH:
            return None
        count = (
            db.select(func.count(Post.id))
            .where(Post.user_id == cls.id, Post.is_public)
            .correlate(cls)
            .scalar_subquery()
        )
        return db.session.scalar(
            db.select(cls)
            .where(func.lower(cls.username) == username.strip().lower())
            .options(
                with_expression(cls.post_count, count),
                with_expression(cls.follower_count, Follow.follower_count_of(cls)),
                with_expression(cls.following_count, Follow.following_count_of(cls)),
                with_expression(cls.followed_by_viewer, Follow.is_followed_by(cls, viewer_id)),
                with_expression(cls.blocked_by_viewer, Block.is_blocked_by_viewer(cls, viewer_id)),
            )
        )

    @classmethod
    def _posts_written(cls):
        # Every post of the user, drafts included: an index range of posts.user_id.
        return (
            db.select(func.count(Post.id))
            .where(Post.user_id == cls.id)
            .correlate(cls)
            .scalar_subquery()
        )

    @classmethod
    def directory(cls, search: str = ""):
        """A select of every account, newest first, with `posts_written` counted in the same
        query; with `search`, only those whose name or address contains it (any case)."""
        written = cls._posts_written()
        query = db.select(cls).options(with_expression(cls.posts_written, written))
        search = search.strip().lower()
        if search:
            # autoescape: a % or _ typed in the box is looked for, not a wildcard.
            query = query.where(
                func.lower(cls.username).contains(search, autoescape=True)
                | func.lower(cls.email).contains(search, autoescape=True)
            )
        return query.order_by(cls.created_at.desc(), cls.id.desc())

    @classmethod
    def purgeable(
        cls,
        *,
        since: datetime | None = None,
        max_posts: int | None = None,
        unconfirmed: bool = False,
    ):
        """A select of the non-admin accounts that match every filter given (joined at or
        after `since`, with at most `max_posts` posts, drafts included, not confirmed),
        with `posts_written` counted, oldest first."""
        written = cls._posts_written()
        query = db.select(cls).where(cls.is_admin.is_(False))
        if since is not None:
            query = query.where(cls.created_at >= since)
        if max_posts is not None:
            query = query.where(written <= max_posts)
        if unconfirmed:
            query = query.where(cls.confirmed_at.is_(None))
        return query.options(with_expression(cls.posts_written, written)).order_by(cls.id)

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
        # Changes whenever the password does; API tokens keep it (see ApiToken).
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]

    # --- Two-factor login --------------------------------------------------------------------

    @property
    def has_two_factor(self) -> bool:
        """Whether logging in needs a code from an authenticator app (or a recovery code)."""
        return self.totp_enabled_at is not None and self.totp_secret is not None

    @staticmethod
    def new_totp_secret() -> str:
        """A fresh secret to offer when the user sets up two-factor login."""
        return new_totp_secret()

    def totp_uri(self, secret: str) -> str:
        """The otpauth:// URI for `secret`, naming this account, for the QR code."""
        return provisioning_uri(secret, self.email)

    def enable_two_factor(self, secret: str, code: str) -> list[str] | None:
        """Turn two-factor login on with `secret` if `code` is its current code: returns the
        new recovery codes (to be shown once), or None if the code is wrong. Every other
        login and API token ends, as when the password changes."""
        step = matching_step(secret, code)
        if step is None:
            return None
        self.totp_secret, self.totp_enabled_at, self.totp_last_step = secret, utcnow(), step
        self.sign_out_everywhere_else()
        return RecoveryCode.replace_all(self)

    def verify_second_factor(self, code: str) -> str | None:
        """Accept `code` once, if it is a current TOTP code not used before or an unused
        recovery code: returns "totp" or "recovery_code", else None. Spends the code."""
        if not self.has_two_factor:
            return None
        step = matching_step(self.totp_secret, code)
        if step is not None:
            return "totp" if claim_step(self, step) else None
        return "recovery_code" if RecoveryCode.use(self, code) else None

    def new_recovery_codes(self) -> list[str]:
        """Replace every recovery code with new ones; returns them (to be shown once)."""
        return RecoveryCode.replace_all(self)

    @property
    def recovery_codes_left(self) -> int:
        return RecoveryCode.count_for(self)

    def reset_two_factor(self) -> None:
        """Turn two-factor login off (the user's choice, or an operator's for someone who
        lost their phone): secret and recovery codes go, and every login and API token but
        this request's ends, as when the password changes."""
        self.totp_secret = self.totp_enabled_at = self.totp_last_step = None
        db.session.execute(db.delete(RecoveryCode).where(RecoveryCode.user_id == self.id))
        self.sign_out_everywhere_else()

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
