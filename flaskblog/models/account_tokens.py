"""The signed tokens in the links an account is emailed (a password reset, an address to
confirm), all dying with the account's security stamp."""

import hashlib
import hmac
from typing import TYPE_CHECKING

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from flaskblog.extensions import db
from flaskblog.models.types import MAX_ID, utcnow

if TYPE_CHECKING:
    from flaskblog.models.user import User

# The purposes of the account tokens (each signs with its own salt, so that a token made
# for one purpose is refused for every other).
RESET_SALT = "password-reset"
EMAIL_CONFIRM_SALT = "email-confirm"
UNSUBSCRIBE_SALT = "digest-unsubscribe"


class AccountTokens:
    """User's tokens: made from and checked against its id, address and security stamp."""

    def _stamp_for(self, purpose: str) -> str:
        # A digest rather than the stamp itself: a token shows nothing another purpose
        # could use, and the stamp never leaves the database.
        return hashlib.sha256(f"{purpose}:{self.security_stamp}".encode()).hexdigest()[:16]

    @staticmethod
    def _serializer(purpose: str) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=purpose)

    def get_token(self, purpose: str, **claims: str | None) -> str:
        """A signed token for this user with this `purpose` (its salt), carrying `claims`.

        It dies with the security stamp: on a new password or address, on "sign out
        everywhere else", and when the account is disabled or deleted.
        """
        payload = {**claims, "user": self.id, "stamp": self._stamp_for(purpose)}
        return self._serializer(purpose).dumps(payload)

    @classmethod
    def verify_token(cls, purpose: str, token: str, max_age: int) -> "tuple[User, dict] | None":
        """(user, the token's claims) if `token` was made by get_token for `purpose`, is
        younger than `max_age` seconds and the user's stamp has not changed since; else None."""
        try:
            data = cls._serializer(purpose).loads(token, max_age=max_age)
            user_id, stamp = int(data["user"]), str(data["stamp"])
        except (BadSignature, KeyError, TypeError, ValueError):
            return None
        if not 0 < user_id <= MAX_ID:
            return None
        user = db.session.get(cls, user_id)
        # compare_digest takes only ASCII text; bytes it compares whatever they hold.
        if user is None or not hmac.compare_digest(
            stamp.encode(), user._stamp_for(purpose).encode()
        ):
            return None
        return user, data

    @classmethod
    def token_user_id(cls, purpose: str, token: str) -> int | None:
        """The user id a token made by get_token for `purpose` names, without asking the
        database or checking its age (for rate-limit keys); None if it is not one."""
        try:
            user_id = int(cls._serializer(purpose).loads(token)["user"])
        except (BadSignature, KeyError, TypeError, ValueError):
            return None
        return user_id if 0 < user_id <= MAX_ID else None

    def get_reset_token(self) -> str:
        """A signed token for the reset link; it expires, and dies with the security stamp
        (so it works once: the new password changes the stamp)."""
        return self.get_token(RESET_SALT)

    @classmethod
    def verify_reset_token(cls, token: str) -> "User | None":
        """The user a reset token belongs to, or None if it is forged, expired or used."""
        found = cls.verify_token(RESET_SALT, token, current_app.config["RESET_TOKEN_MAX_AGE"])
        return found[0] if found else None

    def _email_state(self) -> str | None:
        # Changes when the address is confirmed, which makes confirmation links single-use.
        return self.confirmed_at.isoformat() if self.confirmed_at else None

    def get_email_token(self, email: str | None = None) -> str:
        """A signed token confirming `email` (by default the current address) for this user.

        It names the address the user has now and stops working once that changes, or the
        security stamp does.
        """
        return self.get_token(
            EMAIL_CONFIRM_SALT, email=email or self.email, was=self.email, state=self._email_state()
        )

    @classmethod
    def verify_email_token(cls, token: str) -> "tuple[User, str] | None":
        """(user, address to confirm) for a confirmation token, or None if it is forged,
        expired, used or outdated by a change of address or of the security stamp."""
        found = cls.verify_token(
            EMAIL_CONFIRM_SALT, token, current_app.config["CONFIRM_TOKEN_MAX_AGE"]
        )
        if found is None:
            return None
        user, data = found
        email, was, state = data.get("email"), data.get("was"), data.get("state", False)
        if not (isinstance(email, str) and isinstance(was, str)):
            return None
        if user.email != was or user._email_state() != state:
            return None
        return user, email

    def get_unsubscribe_token(self, digest: str) -> str:
        """A signed token for the one-click unsubscribe link of a `digest` ("daily" or
        "weekly") email. It turns off that digest only, so it is harmless once used (or once
        the reader has chosen another), and dies with the security stamp."""
        return self.get_token(UNSUBSCRIBE_SALT, digest=digest)

    @classmethod
    def verify_unsubscribe_token(cls, token: str) -> "tuple[User, str] | None":
        """(user, the digest the link turns off) for an unsubscribe token, or None if it is
        forged, expired, made for another purpose or outdated by the security stamp."""
        found = cls.verify_token(
            UNSUBSCRIBE_SALT, token, current_app.config["UNSUBSCRIBE_TOKEN_MAX_AGE"]
        )
        if found is None:
            return None
        from flaskblog.models.notification import NotificationSettings  # it imports user.py

        user, data = found
        digest = data.get("digest")
        if digest not in NotificationSettings.DIGEST_CHOICES or digest == "off":
            return None
        return user, digest

    def confirm_email(self, email: str) -> None:
        """Make `email` this user's confirmed address. A new address changes the security
        stamp: links sent to the old one (a reset, another pending change) die."""
        if email != self.email:
            self.rotate_security_stamp()
        self.email = email
        self.confirmed_at = utcnow()
