"""The API's logins: bearer tokens, stored only as a SHA-256 of what the client holds."""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flaskblog.extensions import db
from flaskblog.models.handles import NamedByHandle
from flaskblog.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from flaskblog.models.user import User


class ApiToken(NamedByHandle, db.Model):
    """A bearer token for the API. Its row keeps a hash, so the table alone lets nobody in;
    it ends when it expires (API_TOKEN_TTL after it was issued), is revoked (through the API
    or on the owner's sessions page), its user's password changes or the user signs out
    everywhere else (as every other login does), or its user is deleted (the foreign key
    cascades) or disabled (the row is deleted, so enabling the account again does not bring
    it back)."""

    HANDLE_PREFIX = b"api-token:"

    __tablename__ = "api_tokens"

    # Never shown on a page (see flaskblog.caching).
    shown_on_public_pages = False

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The password it was issued under (as reset links keep it): a new password ends it.
    password_fingerprint: Mapped[str] = mapped_column(String(16))

    user: Mapped["User"] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<ApiToken of user {self.user_id} until {self.expires_at:%Y-%m-%d %H:%M}>"

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def issue(cls, user: "User") -> tuple[str, "ApiToken"]:
        """A new token for `user` (the secret, returned once, and its row, added to the
        session); the user's expired tokens are cleared out on the way."""
        now = utcnow()
        db.session.execute(db.delete(cls).where(cls.user_id == user.id, cls.expires_at <= now))
        secret = secrets.token_urlsafe(32)
        ttl = timedelta(seconds=current_app.config["API_TOKEN_TTL"])
        row = cls(
            id=cls.hash(secret),
            user=user,
            created_at=now,
            expires_at=now + ttl,
            password_fingerprint=user._password_fingerprint(),
        )
        db.session.add(row)
        return secret, row

    @classmethod
    def find(cls, secret: str) -> "ApiToken | None":
        """The token's row if the site issued it, it has not expired, its user is not disabled
        and has the password it was issued under."""
        row = db.session.get(cls, cls.hash(secret))
        if row is None or row.expires_at <= utcnow() or not row.user.is_active:
            return None
        if not hmac.compare_digest(row.password_fingerprint, row.user._password_fingerprint()):
            return None
        return row

    @classmethod
    def for_user(cls, user: "User") -> list["ApiToken"]:
        """A user's tokens that have not expired, newest first."""
        return list(
            db.session.scalars(
                db.select(cls)
                .where(cls.user_id == user.id, cls.expires_at > utcnow())
                .order_by(cls.created_at.desc())
            )
        )
