"""The account exports: everything a user wrote here, and their profile, as JSON-ready data;
and their posts as a zip of Markdown files that an import reads back."""

import io
import json
import zipfile
from urllib.parse import urljoin

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from flaskblog.extensions import db
from flaskblog.imports.markdown_files import front_matter_date, image_links, post_file
from flaskblog.media import image_bytes
from flaskblog.models import Comment, Image, Post, utcnow
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
        # Comments brought in by an import were written elsewhere, by others.
        .where(Comment.user_id == user.id, Comment.imported_author.is_(None))
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


def export_readme(user) -> str:
    """The zip's README.md, in the language of whoever downloads it."""
    contents = [
        _(
            "`posts/`: one Markdown file per post (drafts and scheduled posts too), named by "
            "its date and slug. Each starts with YAML front matter: `title`, `date` (when it "
            "was published, or is to be; for a draft, when it was written), `slug`, `tags`, "
            "`draft`, `summary`, and `cover` (the picture shown above it) when it has one."
        ),
        _("`images/`: the pictures your posts show; the posts link to them here."),
        _("`comments.json`: the comments you wrote, on your posts and others'."),
    ]
    paragraphs = [
        "# " + _("Your posts from flaskblog"),
        _(
            "Exported %(when)s for %(username)s.",
            when=f"{utcnow():%Y-%m-%d %H:%M} UTC",
            username=user.username,
        ),
        "\n".join(f"- {line}" for line in contents),
        _(
            "Import this zip (or the folder it unpacks to) into any flaskblog account from "
            "Account > Import, or with `flask import markdown PATH --author USERNAME`: you get "
            "the same posts back. Many other blog engines (Hugo, Jekyll, Eleventy, "
            "WriteFreely) read the same kind of files."
        ),
    ]
    return "\n\n".join(paragraphs) + "\n"


def export_zip(user) -> bytes:
    """Everything the user wrote as a zip: a Markdown file per post with front matter, the
    pictures the posts show, their comments as JSON and a README (export_readme)."""
    posts = db.session.scalars(db.select(Post).where(Post.user_id == user.id)).all()
    posts.sort(key=lambda post: (front_matter_date(post), post.id))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        used: set[str] = set()
        for post in posts:
            stem = _unique(f"{front_matter_date(post):%Y-%m-%d}-{post.slug}", used)
            content = _with_exported_images(archive, post, stem, user)
            cover = _exported_cover(archive, post, stem, user)
            archive.writestr(f"posts/{stem}.md", post_file(post, content, cover))
        comments = account_export(user)["comments"]
        archive.writestr("comments.json", json.dumps(comments, indent=2, ensure_ascii=False))
        archive.writestr(
            "README.md",
            export_readme(user),
        )
    return out.getvalue()


def _unique(stem: str, used: set[str]) -> str:
    name, number = stem, 1
    while name in used:
        number += 1
        name = f"{stem}-{number}"
    used.add(name)
    return name


def _with_exported_images(archive: zipfile.ZipFile, post: Post, stem: str, user) -> str:
    """The post's Markdown with its own uploaded images written into the zip and linked
    there; named by the post and their order, so an export of an import names them alike."""
    content, names = post.content, {}
    for link, image_id in image_links(post.content):
        if link in names:
            continue
        image = db.session.get(Image, image_id)
        if image is None or image.user_id != user.id:
            continue  # someone else's picture: it stays where it is
        names[link] = f"images/{stem}-{len(names) + 1}.{image.extension}"
        archive.writestr(names[link], image_bytes(image))
    for link, name in names.items():
        content = content.replace(link, f"../{name}")
    return content


def _exported_cover(archive: zipfile.ZipFile, post: Post, stem: str, user) -> str | None:
    """Where the post's cover is in the zip (written there), as its front matter names it."""
    if post.cover is None or post.cover.user_id != user.id:
        return None
    name = f"images/{stem}-cover.{post.cover.extension}"
    archive.writestr(name, image_bytes(post.cover))
    return f"../{name}"
