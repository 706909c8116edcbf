"""The tokens in the links the site sends (password resets, email confirmations)."""

import time
from urllib.parse import urlsplit

from itsdangerous import TimestampSigner, URLSafeTimedSerializer


def token_of(link: str) -> str:
    """The token at the end of a link, given as a full URL or as its path."""
    return urlsplit(link).path.rsplit("/", 1)[1]


def signed(app, payload, *, salt: str, secret: str | None = None, age: int = 0) -> str:
    """A token for `payload` signed as `app` signs with `salt`, or with another key
    (`secret`), or issued `age` seconds ago."""

    class SignedEarlier(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - age

    serializer = URLSafeTimedSerializer(
        secret or app.config["SECRET_KEY"], salt=salt, signer=SignedEarlier
    )
    return serializer.dumps(payload)
