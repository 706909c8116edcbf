"""The account export: everything a user wrote here, and their profile, as JSON-ready data."""

from urllib.parse import urljoin

from flask import url_for
from sqlalchemy.orm import joinedload

from flaskblog.extensions import db
from flaskblog.models import Comment, Post, utcnow
from flaskblog.urls import avatar_url, post_url


def _iso(moment) -> str | None:
    return moment.isoformat() if moment is not None else None


def _external(path: str) -> str:
    # This site's own paths, made absolute so that the export still points here on its own.
    return urljoin(url_for("main.home", _external=True), path)


def account_export(user) -> dict:
    """Everything the user has written here, and their profile, as JSON-ready data."""
    posts = db.session.scalars(
        db.select(Post).where(Post.user_id == user.id).order_by(Post.date_posted, Post.id)
    )
    comments = db.session.scalars(
        db.select(Comment)
        .where(Comment.user_id == user.id)
        .options(joinedload(Comment.post).lazyload(Post.tags))
        .order_by(Comment.created_at, Comment.id)
    )
    return {
        "exported_at": utcnow().isoformat(),
        "profile": {
            "username": user.username,
            "email": user.email,
            "confirmed": user.is_confirmed,
            "confirmed_at": _iso(user.confirmed_at),
            "created_at": _iso(user.created_at),
            "picture_url": None if user.avatar is None else _external(avatar_url(user)),
            "about_me": user.about_me,
            "website": user.website,
            "timezone": user.timezone,
            "language": user.language,
        },
        "posts": [
            {
                "id": post.id,
                "title": post.title,
                "content_markdown": post.content,
                "status": post_status(post),
                "created_at": _iso(post.date_posted),
                "published_at": _iso(post.published_at),
                "updated_at": _iso(post.updated_at),
                "tags": [tag.name for tag in post.tags],
                "url": _external(post_url(post)),
            }
            for post in posts
        ],
        "comments": [_exported_comment(comment, user) for comment in comments],
    }


def _exported_comment(comment: Comment, user) -> dict:
    # A post its author has taken back as a draft is theirs alone again: the comment is
    # the user's own, but the post's current title and address are not for them to see.
    post = comment.post
    visible = post.can_view(user)
    return {
        "id": comment.id,
        "body": comment.body,
        "created_at": _iso(comment.created_at),
        "post_id": comment.post_id,
        "post_title": post.title if visible else None,
        "url": _external(f"{post_url(post)}#comment-{comment.id}") if visible else None,
    }


def post_status(post) -> str:
    """ "draft", "scheduled" (published for a time to come) or "published"."""
    if not post.is_published:
        return "draft"
    return "scheduled" if post.is_scheduled else "published"
