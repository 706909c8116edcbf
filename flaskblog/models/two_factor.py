"""Two-factor login: a TOTP authenticator app (RFC 6238) and single-use recovery codes.

The secret stays in the users table (the server needs it to check codes); recovery codes
are kept only as a SHA-256 of each one (they are long random strings, so a plain hash is
enough, as for API tokens). A code is accepted once: the last time step accepted is
stored per user and only a later one passes, and a recovery code's row is deleted as it
is used, both by a conditional UPDATE or DELETE so that two requests racing with the
same code cannot both win.
"""

import base64
import hashlib
import hmac
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

import pyotp
from sqlalchemy import ForeignKey, String, or_, update
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.orm.attributes import set_committed_value

from flaskblog.extensions import db
from flaskblog.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from flaskblog.models.user import User

ISSUER = "flaskblog"
TOTP_DIGITS = 6
# Codes from one step before or after the current 30 seconds pass too (clocks drift).
TOTP_WINDOW = 1
RECOVERY_CODE_COUNT = 10
# Ten groups of 4 characters of base32: 80 random bits each.
RECOVERY_CODE_BYTES = 10
RECOVERY_CODE_GROUP = 4
# The longest thing the `code` field takes: a recovery code with its dashes and some spaces.
CODE_MAX_LENGTH = 40


def new_totp_secret() -> str:
    """A fresh random TOTP secret in base32 (160 bits), as authenticator apps read it."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, account_name: str) -> str:
    """The otpauth:// URI an authenticator app scans from the QR code."""
    return pyotp.TOTP(secret, digits=TOTP_DIGITS).provisioning_uri(
        name=account_name, issuer_name=ISSUER
    )


def matching_step(secret: str, code: str, at: datetime | None = None) -> int | None:
    """The time step whose TOTP code `code` is (this step or one either side), or None."""
    code = normalize_code(code)
    if not (len(code) == TOTP_DIGITS and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret, digits=TOTP_DIGITS)
    now = totp.timecode(at or utcnow())
    matched = None
    for step in range(now - TOTP_WINDOW, now + TOTP_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            matched = step
    return matched


def normalize_code(code: str) -> str:
    """A code as typed, without spaces or dashes, in lower case."""
    return "".join(code.split()).replace("-", "").lower()


def new_recovery_code() -> str:
    """A recovery code as shown to the user: 16 base32 characters in groups of four."""
    text = base64.b32encode(secrets.token_bytes(RECOVERY_CODE_BYTES)).decode().lower()
    return "-".join(
        text[i : i + RECOVERY_CODE_GROUP] for i in range(0, len(text), RECOVERY_CODE_GROUP)
    )


class RecoveryCode(db.Model):
    """One unused recovery code of a user with two-factor login; used codes are deleted."""

    __tablename__ = "recovery_codes"

    # Only ever on its owner's 2FA page, and then only once (see flaskblog.caching).
    shown_on_public_pages = False

    HASH_LENGTH = 64

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(HASH_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @staticmethod
    def hash(code: str) -> str:
        return hashlib.sha256(normalize_code(code).encode()).hexdigest()

    @classmethod
    def replace_all(cls, user: "User") -> list[str]:
        """Delete the user's codes and make RECOVERY_CODE_COUNT new ones; returns them as
        text (the only time they exist outside the user's hands)."""
        db.session.execute(db.delete(cls).where(cls.user_id == user.id))
        codes = [new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
        db.session.add_all(cls(user_id=user.id, code_hash=cls.hash(code)) for code in codes)
        return codes

    @classmethod
    def use(cls, user: "User", code: str) -> bool:
        """Spend one of the user's unused codes: True if `code` was one (it is gone now)."""
        normalized = normalize_code(code)
        if not normalized or len(normalized) > CODE_MAX_LENGTH:
            return False
        result = db.session.execute(
            db.delete(cls).where(cls.user_id == user.id, cls.code_hash == cls.hash(normalized))
        )
        return result.rowcount == 1

    @classmethod
    def count_for(cls, user: "User") -> int:
        """How many unused recovery codes the user has."""
        return db.session.scalar(db.select(db.func.count(cls.id)).where(cls.user_id == user.id))


def claim_step(user: "User", step: int) -> bool:
    """Record `step` as the user's last accepted one, unless that step (or a later one)
    was accepted already: True if this call claimed it."""
    users = type(user)  # the User model, without importing it back from here
    result = db.session.execute(
        update(users)
        .where(
            users.id == user.id,
            or_(users.totp_last_step.is_(None), users.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:
        set_committed_value(user, "totp_last_step", step)
        return True
    return False
