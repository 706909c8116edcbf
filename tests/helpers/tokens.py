"""The tokens in the links the site sends (password resets, email confirmations)."""

from urllib.parse import urlsplit


def token_of(link: str) -> str:
    """The token at the end of a link, given as a full URL or as its path."""
    return urlsplit(link).path.rsplit("/", 1)[1]
