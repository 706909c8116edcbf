"""Security events kept in the database for the admin dashboard, beside the security log."""

import json
from datetime import datetime, timedelta

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from flaskblog.extensions import db
from flaskblog.models.types import UTCDateTime, utcnow


class SecurityEvent(db.Model):
    """One security event an admin should see (flaskblog.security.log_event writes it).

    The security log (JSON lines) stays the full record; this table keeps only the events
    named in STORED, for KEEP_DAYS, so the dashboard can show them without a log service.
    `user_id` is not a foreign key: an event outlives the account it names (a purge).
    """

    __tablename__ = "security_events"

    # Only admins see these: no public page shows them (flaskblog.caching).
    shown_on_public_pages = False

    EVENT_LENGTH = 64
    DETAILS_LENGTH = 2000
    KEEP_DAYS = 90
    # Events about accounts being attacked or acted on; noisy ones (a failed login, a
    # missing CSRF token) stay in the log alone.
    STORED = frozenset(
        {
            "login_locked",
            "login_disabled_account",
            "mail_not_sent_recipient_limit",
            "admin_user_disabled",
            "admin_user_enabled",
            "admin_user_promoted",
            "admin_user_demoted",
            "admin_two_factor_reset",
            "admin_needs_two_factor",
            "login_2fa_locked",
            "two_factor_enabled",
            "two_factor_disabled",
            "admin_action_refused",
            "users_purged",
        }
    )
    # Keys of a log record that have columns of their own or are not worth keeping here.
    NOT_DETAILS = frozenset(
        {"event", "time", "user_id", "ip", "method", "endpoint", "request_id", "email_sha256"}
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    event: Mapped[str] = mapped_column(String(EVENT_LENGTH))
    user_id: Mapped[int | None]
    ip: Mapped[str | None] = mapped_column(String(45))
    details: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index("ix_security_events_event_created", "event", "created_at"),)

    @classmethod
    def from_record(cls, record: dict) -> "SecurityEvent":
        """The row for one log record (as log_event builds it)."""
        details = {key: value for key, value in record.items() if key not in cls.NOT_DETAILS}
        text = json.dumps(details, sort_keys=True, default=str)[: cls.DETAILS_LENGTH]
        return cls(
            event=record["event"][: cls.EVENT_LENGTH],
            user_id=record.get("user_id"),
            ip=record.get("ip"),
            details=text if details else "",
        )

    @property
    def facts(self) -> dict:
        """The event's details (whom an admin acted on, how many accounts a purge deleted)."""
        try:
            facts = json.loads(self.details) if self.details else {}
        except ValueError:  # cut at DETAILS_LENGTH
            return {"details": self.details}
        return facts if isinstance(facts, dict) else {}

    @classmethod
    def prune(cls) -> None:
        """Delete the events older than KEEP_DAYS (in the caller's transaction)."""
        cutoff = utcnow() - timedelta(days=cls.KEEP_DAYS)
        db.session.execute(db.delete(cls).where(cls.created_at < cutoff))

    @classmethod
    def newest(cls, limit: int):
        """A select of the `limit` newest events."""
        return db.select(cls).order_by(cls.created_at.desc(), cls.id.desc()).limit(limit)
