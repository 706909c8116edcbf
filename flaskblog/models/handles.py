"""Rows that pages name by a handle: a keyed hash of a secret id, so the id stays out of them."""

import hashlib
import hmac

from flask import current_app


class NamedByHandle:
    """For a model whose id is secret (a login, an API token) and whose class can list a
    user's live rows (`for_user`): pages name each row by its `handle` instead."""

    # Keeps the handles of one kind of row from ever matching another kind's.
    HANDLE_PREFIX = b""

    @property
    def handle(self) -> str:
        """What pages call this row by: a keyed hash of its id."""
        key = current_app.config["SECRET_KEY"].encode()
        return hmac.new(key, self.HANDLE_PREFIX + self.id.encode(), hashlib.sha256).hexdigest()[:16]

    @classmethod
    def by_handle(cls, user, handle: str):
        """The live row of `user` that `handle` names, or None."""
        wanted = handle.encode()  # compare_digest refuses non-ASCII text, not bytes
        for row in cls.for_user(user):
            if hmac.compare_digest(row.handle.encode(), wanted):
                return row
        return None
