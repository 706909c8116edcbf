"""What feeds and the sitemap are made of: stable ids, dates, and XML that stays well-formed."""

import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import Response, current_app, render_template, request, url_for
from sqlalchemy import func

from flaskblog.extensions import db
from flaskblog.models import Post, User

FEED_LENGTH = 20
# An empty feed still needs an <updated>; a fixed one keeps its ETag the same.
NEVER = datetime(1970, 1, 1, tzinfo=UTC)
# XML 1.0 cannot carry these at all, not even as references, and a post may hold one (a
# pasted control character): one would make the whole document unreadable to every reader.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_HOST_NAME = re.compile(r"[a-z0-9.-]+")


def xml_response(template: str, mimetype: str, **context) -> Response:
    """A rendered XML template, less any character XML forbids."""
    return Response(_NOT_XML.sub("", render_template(template, **context)), mimetype=mimetype)


def rfc3339(moment: datetime) -> str:
    """A timestamp as Atom and sitemaps write it: UTC, to the second."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def latest(*moments: datetime | None) -> datetime | None:
    """The latest of some timestamps, ignoring missing ones."""
    return max((moment for moment in moments if moment), default=None)


def last_changed(post: Post) -> datetime:
    """When readers last saw the post change: its publication, or an edit since."""
    return latest(post.date_posted, post.published_at, post.updated_at)


def site_host() -> str:
    """The site's host name, without a port, as configured (else as the request names it)."""
    host = current_app.config["SERVER_NAME"] or request.host
    try:
        name = urlsplit(f"//{host}").hostname or ""
    except ValueError:
        name = ""
    return name if _HOST_NAME.fullmatch(name) else "localhost"


def entry_id(post: Post) -> str:
    """A tag: URI (RFC 4151) that no edit of the post changes, so readers never see it twice.

    Unlike the post's URL it holds neither the slug nor the scheme, which may change.
    """
    return f"tag:{site_host()},{post.date_posted:%Y-%m-%d}:post-{post.id}"


def sitemap_urls() -> list[tuple[str, datetime | None]]:
    """(address, last changed) of the home page, every published post and every author."""
    posts = db.session.execute(
        db.select(Post.id, Post.slug, Post.published_at, Post.updated_at)
        .where(Post.is_published)
        .order_by(Post.published_at.desc(), Post.id.desc())
    ).all()
    authors = db.session.execute(
        db.select(User.username, func.max(Post.published_at), func.max(Post.updated_at))
        .join(Post, Post.user_id == User.id)
        .where(Post.is_published)
        .group_by(User.id, User.username)
        .order_by(func.lower(User.username))
    ).all()
    post_urls = [
        (url_for("posts.post", post_id=id_, slug=slug, _external=True), latest(published, updated))
        for id_, slug, published, updated in posts
    ]
    author_urls = [
        (url_for("users.user_posts", username=username, _external=True), latest(*moments))
        for username, *moments in authors
    ]
    newest = max((moment for _, moment in post_urls), default=None)
    return [(url_for("main.home", _external=True), newest), *post_urls, *author_urls]
