"""Views for feeds, the sitemap and robots.txt."""

from flask import Response, abort, render_template, request, url_for

from flaskblog.caching import cached_for_anonymous
from flaskblog.extensions import db
from flaskblog.feeds import bp
from flaskblog.feeds.documents import (
    FEED_LENGTH,
    NEVER,
    entry_id,
    last_changed,
    rfc3339,
    sitemap_author_urls,
    sitemap_parts,
    sitemap_post_urls,
    xml_response,
)
from flaskblog.models import Post, Tag, User

bp.add_app_template_filter(rfc3339, "rfc3339")


def latest_posts(query) -> list[Post]:
    """The newest published posts of `query`, as many as a feed holds."""
    return list(db.session.scalars(query.limit(FEED_LENGTH)))


def atom_feed(posts: list[Post], title: str, self_url: str, alternate: str) -> Response:
    """`posts` as an Atom feed, answered with 304 when the reader's copy is current."""
    updated = max((last_changed(post) for post in posts), default=None)
    response = xml_response(
        "feeds/atom.xml",
        "application/atom+xml",
        title=title,
        self_url=self_url,
        alternate=alternate,
        posts=posts,
        updated=updated or NEVER,
        entry_id=entry_id,
        last_changed=last_changed,
    )
    # The ETag hashes the body, so every change shows in it, a post taken down included.
    response.add_etag()
    if updated is not None:  # None would stamp the current time
        response.last_modified = updated
    return response.make_conditional(request)


@bp.route("/feed.xml")
@cached_for_anonymous
def site():
    return atom_feed(
        latest_posts(Post.newest_first()),
        "flaskblog",
        url_for("feeds.site", _external=True),
        url_for("main.home", _external=True),
    )


@bp.route("/user/<username>/feed.xml")
@cached_for_anonymous
def user(username: str):
    author = User.by_username(username)
    if author is None:
        abort(404)
    return atom_feed(
        latest_posts(Post.newest_first(author=author)),
        f"Posts by {author.username} · flaskblog",
        url_for("feeds.user", username=author.username, _external=True),
        url_for("users.user_posts", username=author.username, _external=True),
    )


@bp.route("/tag/<tag>/feed.xml")
@cached_for_anonymous
def tag(tag: str):
    found = Tag.by_name(tag) if len(tag) <= Tag.NAME_LENGTH else None
    posts = latest_posts(Post.newest_first(tag=found)) if found else []
    if not posts:
        abort(404)  # as on the tag page: a tag only drafts use is not public yet
    return atom_feed(
        posts,
        f"Posts tagged {found.name} · flaskblog",
        url_for("feeds.tag", tag=found.name, _external=True),
        url_for("posts.tag", tag=found.name, _external=True),
    )


@bp.route("/sitemap.xml")
@cached_for_anonymous
def sitemap():
    """The sitemap index: what crawlers read first (robots.txt names it)."""
    return xml_response("feeds/sitemap_index.xml", "application/xml", parts=sitemap_parts())


@bp.route("/sitemap/posts-<int:part>.xml")
@cached_for_anonymous
def sitemap_posts(part: int):
    urls = sitemap_post_urls(part) if part >= 1 else None
    if urls is None:
        abort(404)
    return xml_response("feeds/sitemap.xml", "application/xml", urls=urls)


@bp.route("/sitemap/authors-<int:part>.xml")
@cached_for_anonymous
def sitemap_authors(part: int):
    urls = sitemap_author_urls(part) if part >= 1 else None
    if urls is None:
        abort(404)
    return xml_response("feeds/sitemap.xml", "application/xml", urls=urls)


@bp.route("/robots.txt")
def robots():
    return Response(render_template("feeds/robots.txt"), mimetype="text/plain")
