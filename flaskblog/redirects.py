"""Where a `next` parameter, or the page a form was sent from, may send people: only
somewhere on this site."""

from urllib.parse import urlsplit, urlunsplit


def safe_next_url(target: str | None) -> str | None:
    """`target` if it is a path on this site, else None: `next` must not send people away.

    Browsers treat `//host`, `/\\host` and paths with tabs or newlines in them as
    other sites, so anything but a plain absolute path is refused.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def same_site_referrer(referrer: str | None, host: str) -> str | None:
    """The path (and query) of `referrer` if it is a page on `host`, else None: a form on
    every page can go back where it was sent from without naming that page itself."""
    parts = urlsplit(referrer or "")
    if parts.scheme not in ("http", "https") or parts.netloc != host:
        return None
    return safe_next_url(urlunsplit(("", "", parts.path or "/", parts.query, "")))
