"""Passkeys (WebAuthn credentials): the public keys a user's authenticators sign logins with,
and the random user handle those authenticators keep for the account."""

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from flaskblog.extensions import db
from flaskblog.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from flaskblog.models.user import User


class Passkey(db.Model):
    """One registered passkey of a user: its credential id, public key and signature count.

    A passkey holds no secret: its public key only checks signatures its authenticator makes.
    It goes with its user (the foreign key cascades)."""

    __tablename__ = "passkeys"

    # Only on the owner's passkeys page, never cached (see flaskblog.caching).
    shown_on_public_pages = False

    NAME_LENGTH = 64
    # The WebAuthn specification's own maximum for a credential id, in bytes.
    CREDENTIAL_ID_LENGTH = 1023
    TRANSPORTS_LENGTH = 200

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    credential_id: Mapped[bytes] = mapped_column(LargeBinary(CREDENTIAL_ID_LENGTH), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    # An unsigned 32-bit counter in the authenticator: more than a signed INTEGER holds.
    sign_count: Mapped[int] = mapped_column(BigInteger, default=0)
    # How the browser may reach the authenticator ("internal", "usb", "hybrid"...), comma-separated.
    transports: Mapped[str] = mapped_column(String(TRANSPORTS_LENGTH), default="")
    name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped["User"] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"<Passkey {self.id} of user {self.user_id} {self.name!r}>"

    @staticmethod
    def clean_name(name: object) -> str | None:
        """`name` as stored (stripped), or None if it is not text of 1 to NAME_LENGTH characters."""
        if not isinstance(name, str):
            return None
        name = name.strip()
        return name if 0 < len(name) <= Passkey.NAME_LENGTH else None

    @property
    def transport_list(self) -> list[str]:
        return [value for value in self.transports.split(",") if value]

    @classmethod
    def for_user(cls, user: "User") -> list["Passkey"]:
        """A user's passkeys, oldest first."""
        return list(
            db.session.scalars(
                db.select(cls).where(cls.user_id == user.id).order_by(cls.created_at, cls.id)
            )
        )

    @classmethod
    def of_user(cls, user: "User", passkey_id: int) -> "Passkey | None":
        """The passkey with this id if it is `user`'s, else None (someone else's included)."""
        return db.session.scalar(db.select(cls).where(cls.id == passkey_id, cls.user_id == user.id))

    @classmethod
    def by_credential_id(cls, credential_id: bytes) -> "Passkey | None":
        if not credential_id or len(credential_id) > cls.CREDENTIAL_ID_LENGTH:
            return None
        return db.session.scalar(db.select(cls).where(cls.credential_id == credential_id))

    def record_use(self, sign_count: int) -> None:
        """Note a login with this passkey, and the authenticator's new signature count."""
        self.sign_count = sign_count
        self.last_used_at = utcnow()


class PasskeyUserHandle(db.Model):
    """The WebAuthn user handle of an account: random bytes, made when it registers its first
    passkey. Authenticators keep it with the passkey and hand it back at login, so it must not
    be the numeric id (which would tell anyone holding the authenticator who the user is)."""

    __tablename__ = "passkey_user_handles"

    shown_on_public_pages = False

    HANDLE_BYTES = 32

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    handle: Mapped[bytes] = mapped_column(LargeBinary(64), unique=True)

    @classmethod
    def for_user(cls, user: "User") -> bytes:
        """The user's handle, made (and added to the database session) the first time."""
        row = db.session.get(cls, user.id)
        if row is None:
            row = cls(user_id=user.id, handle=secrets.token_bytes(cls.HANDLE_BYTES))
            db.session.add(row)
        return row.handle

    @classmethod
    def user_id_for(cls, handle: bytes) -> int | None:
        """The id of the user whose handle this is, or None."""
        if not handle or len(handle) > 64:
            return None
        return db.session.scalar(db.select(cls.user_id).where(cls.handle == handle))
