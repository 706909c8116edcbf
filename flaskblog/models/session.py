"""Logins: the server-side rows behind the login cookies, and Flask-Login's way to them."""

import functools
import hashlib
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy import ForeignKey, String, bindparam, update
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.orm.attributes import set_committed_value

from flaskblog.extensions import db, login_manager
from flaskblog.models.handles import NamedByHandle
from flaskblog.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from flaskblog.models.user import User

# In the database session's info: (login id, time) while a last-seen time awaits its write.
_LAST_SEEN_UNSAVED = "last_seen_unsaved"


class UserSession(NamedByHandle, db.Model):
    """One login, which the session and remember-me cookies point at; ending it (logout,
    password change, "sign out everywhere else") makes every copy of those cookies useless."""

    __tablename__ = "sessions"

    # Only on the owner's sessions page, never cached (see flaskblog.caching).
    shown_on_public_pages = False

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

    user: Mapped["User"] = relationship(lazy="joined")

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    def expires_at(self) -> datetime:
        """Remember-me logins last a fixed time from login; others end when left idle, and
        SESSION_MAX_HOURS after login however busy they are."""
        config = current_app.config
        if self.remember:
            return self.created_at + config["REMEMBER_COOKIE_DURATION"]
        idle_end = self.last_seen_at + timedelta(minutes=config["SESSION_IDLE_MINUTES"])
        return min(idle_end, self.created_at + timedelta(hours=config["SESSION_MAX_HOURS"]))

    def ends_when_idle(self) -> bool:
        """Whether being used can still push this login's end later (see expires_at)."""
        return not self.remember and self.expires_at() < self.created_at + timedelta(
            hours=current_app.config["SESSION_MAX_HOURS"]
        )

    def is_current(self, now: datetime) -> bool:
        return now < self.expires_at() and self.user.is_active

    def mark_seen(self, now: datetime) -> None:
        """Note that this login is in use at `now` (last_seen_at moves at most every
        TOUCH_INTERVAL). The rest of the request sees the new time at once, but nothing is
        flushed: save_last_seen() writes it once the response is ready, in a transaction of
        its own, so that a page view never holds the database's write lock while it renders."""
        if now - self.last_seen_at > self.TOUCH_INTERVAL:
            set_committed_value(self, "last_seen_at", now)
            db.session.info[_LAST_SEEN_UNSAVED] = (self.id, now)

    def made_this_request(self, user: "User") -> bool:
        """Whether `user` is making the current request through this login."""
        return bool(user.login_token) and self.id == self.hash(user.login_token)

    @classmethod
    def for_user(cls, user: "User") -> list["UserSession"]:
        """A user's logins that have not ended, most recently used first."""
        now = utcnow()
        logins = db.session.scalars(
            db.select(cls).where(cls.user_id == user.id).order_by(cls.last_seen_at.desc())
        )
        return [login for login in logins if login.is_current(now)]


@functools.cache
def _login_statement():
    """The login row by its hashed token, with the header's unread counts beside it: the
    same on every request, so built once (its "now" is read as it runs, see Post.is_public),
    which spares every logged-in request building its many subqueries again."""
    from flaskblog.models.unread import unread_columns  # imports User

    counts = unread_columns(UserSession.user_id)
    return db.select(UserSession, *counts).where(UserSession.id == bindparam("login_id"))


@login_manager.user_loader
def load_user(token: str) -> "User | None":
    """Flask-Login's way back from a cookie to a user: through a login that has not ended."""
    from flaskblog.models.unread import keep_unread_counts  # imports User

    # The header's unread counts come with the login: no query of their own on any page.
    row = db.session.execute(_login_statement(), {"login_id": UserSession.hash(token)}).first()
    now = utcnow()
    if row is None or not row.UserSession.is_current(now):
        return None
    login = row.UserSession
    login.mark_seen(now)
    login.user.login_token = token
    keep_unread_counts(login.user, row)
    return login.user


def save_last_seen() -> None:
    """Write the last-seen time that mark_seen() noted; the app calls this once the response
    is ready. Anything else the view left uncommitted was never meant to be saved (it would be
    discarded at the end of the request), so it is rolled back rather than committed with it."""
    noted = db.session.info.pop(_LAST_SEEN_UNSAVED, None)
    if noted is None:
        return
    login_id, now = noted
    db.session.rollback()
    db.session.execute(
        update(UserSession).where(UserSession.id == login_id).values(last_seen_at=now)
    )
    db.session.commit()
