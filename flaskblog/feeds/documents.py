"""What feeds and the sitemap are made of: stable ids, dates, and XML that stays well-formed."""

import re
from datetime import UTC, datetime
from urllib.parse import urlsplit

from flask import Response, current_app, render_template, request, url_for
from sqlalchemy import func

from flaskblog.extensions import db
from flaskblog.models import Post, User
from flaskblog.models.types import utcnow

FEED_LENGTH = 20
# The sitemap is an index of parts, each a range of ids, so that no part grows with the
# number of posts. The protocol allows 50,000 addresses a file (sitemaps.org); a fifth of
# that keeps an uncached part under a second of work and about 1.4 MB.
SITEMAP_PART_SIZE = 10_000
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


def sitemap_parts() -> list[tuple[str, int]]:
    """The parts the sitemap index names, as (kind, number): posts and authors, each cut
    by id into ranges of SITEMAP_PART_SIZE, so that no part exceeds the protocol's limit."""
    last_post = db.session.scalar(db.select(func.max(Post.id))) or 0
    last_user = db.session.scalar(db.select(func.max(User.id))) or 0
    return [("posts", n) for n in range(1, _parts(last_post) + 1)] + [
        ("authors", n) for n in range(1, max(1, _parts(last_user)) + 1)
    ]


def _parts(last_id: int) -> int:
    return -(-last_id // SITEMAP_PART_SIZE)


def _id_range(part: int) -> tuple[int, int]:
    return (part - 1) * SITEMAP_PART_SIZE + 1, part * SITEMAP_PART_SIZE


def sitemap_post_urls(part: int) -> list[tuple[str, datetime | None]] | None:
    """(address, last changed) of the public posts whose id lies in part `part`'s
    range (read by primary key), or None when the part lies past the last post."""
    low, high = _id_range(part)
    if part > _parts(db.session.scalar(db.select(func.max(Post.id))) or 0):
        return None
    # Drafts and scheduled posts are left out here rather than in SQL: the id range is the
    # bound, and asked for public posts too, SQLite without statistics would walk the index
    # of all of them.
    now = utcnow()
    posts = db.session.execute(
        db.select(Post.id, Post.slug, Post.is_published, Post.published_at, Post.updated_at)
        .where(Post.id.between(low, high))
        .order_by(Post.id)
    ).all()
    return [
        (url_for("posts.post", post_id=id_, slug=slug, _external=True), latest(published, updated))
        for id_, slug, is_published, published, updated in posts
        if is_published and published is not None and published <= now
    ]


def sitemap_author_urls(part: int) -> list[tuple[str, datetime | None]] | None:
    """(address, newest post) of the authors with a public post whose id lies in part
    `part`'s range, after the home page in the first part; None past the last user.
    Each author's newest post is one step down an index, however many they wrote."""
    low, high = _id_range(part)
    if part > max(1, _parts(db.session.scalar(db.select(func.max(User.id))) or 0)):
        return None
    newest = (
        db.select(func.max(Post.published_at))
        .where(Post.user_id == User.id, Post.is_public)
        .scalar_subquery()
    )
    authors = db.session.execute(
        db.select(User.username, newest)
        .where(User.id.between(low, high), newest.is_not(None))
        .order_by(User.id)
    ).all()
    urls = [
        (url_for("users.user_posts", username=username, _external=True), published)
        for username, published in authors
    ]
    if part == 1:
        newest_post = db.session.scalar(
            db.select(func.max(Post.published_at)).where(Post.is_public)
        )
        urls.insert(0, (url_for("main.home", _external=True), newest_post))
    return urls
