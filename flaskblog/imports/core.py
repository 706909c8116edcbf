"""The one way posts come in from elsewhere: entries read from a file become one author's
posts, under the site's own rules, in one transaction.

Whatever reader produced the entries (WordPress, Markdown, this site's own export), the
rules are the site's: titles, content and summaries within the lengths on Post, tags as
Tag allows them (at most Post.MAX_TAGS), pictures re-encoded by the same pipeline as an
upload and counted against the author's quota, Markdown rendered and sanitised by the
post model itself. What had to change is listed in the summary; nothing of another
account is read or written, except that an old address already claimed stays theirs.
"""

import io
import re
import unicodedata
from datetime import datetime

from flask import current_app

from flaskblog import revisions
from flaskblog.extensions import db
from flaskblog.images import InvalidPicture, make_post_image
from flaskblog.imports.entries import Entry, ImportRefused, Summary
from flaskblog.media import QuotaFull, alt_text, check_room, store_image
from flaskblog.models import Comment, ImportedPost, OldLink, Post, Tag, User, slugify, utcnow
from flaskblog.models.imports import normal_path
from flaskblog.words import N_, said

# An import is one transaction: this many posts at most, so that one stays bounded.
MAX_POSTS = 5_000
UNTITLED = "Untitled"
TAG_WORDS = re.compile(r"[^a-z0-9]+")


def import_entries(
    user: User, entries: list[Entry], *, skipped: list[dict] = (), dry_run: bool = False
) -> Summary:
    """Create `user`'s posts from `entries` and commit them all at once (a dry run rolls
    everything back and stores no picture); what was done, skipped and changed, and why.
    `skipped` is what the reader of the file already left out, with its reasons."""
    if len(entries) > MAX_POSTS:
        raise ImportRefused(
            N_(
                "That file holds %(count)s posts; an import may bring in at most %(limit)s. "
                "Split it into smaller files."
            ),
            count=len(entries),
            limit=MAX_POSTS,
        )
    summary = Summary(dry_run=dry_run, skipped=list(skipped))
    known = ImportedPost.keys_of(user)
    claimed: set[str] = set()
    try:
        for entry in entries:
            if entry.key in known:
                summary.skip(entry.title, said(N_("already imported")))
                continue
            known.add(entry.key)
            _import_entry(user, entry, summary, claimed, dry_run)
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return summary


def site_tags(names: list[str]) -> tuple[list[str], list[dict]]:
    """`names` as the site allows tags (lower-case letters, digits and hyphens, at most
    Tag.NAME_LENGTH characters, at most Post.MAX_TAGS, no repeats), and what changed."""
    kept: list[str] = []
    changes: list[dict] = []
    for name in names:
        ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
        tag = TAG_WORDS.sub("-", ascii_name.lower()).strip("-")[: Tag.NAME_LENGTH].rstrip("-")
        if not tag:
            changes.append(
                said(
                    N_(
                        "tag “%(name)s” dropped: a tag is 1 to %(length)s lower-case letters, "
                        "digits or hyphens"
                    ),
                    name=name,
                    length=Tag.NAME_LENGTH,
                )
            )
        elif tag in kept:
            if tag != name:
                changes.append(
                    said(
                        N_("tag “%(name)s” became “%(tag)s”, which it already has"),
                        name=name,
                        tag=tag,
                    )
                )
        elif len(kept) >= Post.MAX_TAGS:
            changes.append(
                said(
                    N_("tag “%(name)s” dropped: a post has at most %(limit)s tags"),
                    name=name,
                    limit=Post.MAX_TAGS,
                )
            )
        else:
            kept.append(tag)
            if tag != name:
                changes.append(said(N_("tag “%(name)s” became “%(tag)s”"), name=name, tag=tag))
    return kept, changes


def _import_entry(
    user: User, entry: Entry, summary: Summary, claimed: set[str], dry_run: bool
) -> None:
    title = " ".join(entry.title.strip().splitlines()) or UNTITLED  # one line, as typed
    if len(title) > Post.TITLE_LENGTH:
        title = title[: Post.TITLE_LENGTH].rstrip()
        summary.change(
            title, said(N_("title cut to %(limit)s characters"), limit=Post.TITLE_LENGTH)
        )
    if len(entry.content) > Post.CONTENT_LENGTH:  # before its pictures take any room
        summary.skip(title, _too_long(entry.content))
        return
    stored = _store_images(user, entry, title, summary, dry_run)
    content = entry.content
    for reference, image in stored.items():
        content = content.replace(reference, image_path(image))
    if len(content) > Post.CONTENT_LENGTH:
        summary.skip(title, _too_long(content))
        return
    tags, tag_changes = site_tags(entry.tags)
    for change in tag_changes:
        summary.change(title, change)
    tag_rows = Tag.named(tags)  # before the post joins the session: this query flushes
    with db.session.no_autoflush:
        post = Post(title=title, content=content, author=user, tags=tag_rows)
        post.cover = stored.get(entry.cover) if entry.cover else None
        post.summary = _summary_text(entry, summary)
        post.slug = _slug(entry, title, summary)
        status = _set_status(post, entry.status, entry.date)
        db.session.add(post)
    db.session.flush()
    for comment in entry.comments:
        _add_comment(post, user, comment, title, summary)
    for path in entry.old_paths:
        _add_old_link(post, path, title, summary, claimed)
    db.session.add(ImportedPost(user_id=user.id, post=post, source_key=entry.key))
    revisions.record(post, user, "save" if status == "draft" else "publish")
    if entry.shortcodes:
        summary.shortcodes.append({"title": title, "names": entry.shortcodes})
    for reference in entry.missing_images:
        summary.change(
            title,
            said(N_("image %(image)s not found: its link is kept as it was"), image=reference),
        )
    summary.imported.append(
        {"title": title, "status": status, "post_id": post.id, "old_paths": entry.old_paths}
    )


def _too_long(content: str) -> dict:
    return said(
        N_("%(length)s characters long; a post may have at most %(limit)s"),
        length=len(content),
        limit=Post.CONTENT_LENGTH,
    )


def _summary_text(entry: Entry, summary: Summary) -> str | None:
    text = (entry.summary or "").replace("\r\n", "\n").strip()
    if len(text) > Post.SUMMARY_LENGTH:
        summary.change(
            entry.title,
            said(N_("summary cut to %(limit)s characters"), limit=Post.SUMMARY_LENGTH),
        )
        text = text[: Post.SUMMARY_LENGTH].rstrip()
    return text or None


def _slug(entry: Entry, title: str, summary: Summary) -> str:
    if not entry.slug:
        return slugify(title)
    slug = slugify(entry.slug)
    if slug != entry.slug:
        summary.change(
            title, said(N_("slug “%(slug)s” became “%(new)s”"), slug=entry.slug, new=slug)
        )
    return slug


def _set_status(post: Post, status: str, date: datetime | None) -> str:
    """Publish, schedule or keep as a draft, at the entry's date; the state it ends in."""
    now = utcnow()
    date = date or now
    post.date_posted = min(date, now)
    if status == "draft":
        post.is_published, post.published_at = False, None
        post.date_posted = date
        return "draft"
    if date > now:
        post.schedule(date)
        return "scheduled"
    post.is_published, post.published_at = True, date
    return "published"


def _add_comment(post: Post, user: User, comment, title: str, summary: Summary) -> None:
    body = comment.body.strip()
    if not body:
        return
    if len(body) > Comment.MAX_LENGTH:
        body = body[: Comment.MAX_LENGTH]
        summary.change(
            title,
            said(
                N_("a comment by %(author)s cut to %(limit)s characters"),
                author=comment.author,
                limit=Comment.MAX_LENGTH,
            ),
        )
    name = " ".join(comment.author.split())[: Comment.IMPORTED_AUTHOR_LENGTH] or "Anonymous"
    db.session.add(
        Comment(
            body=body,
            post=post,
            author=user,
            imported_author=name,
            created_at=comment.date or post.date_posted,
        )
    )
    summary.comments += 1


def _add_old_link(post: Post, path: str, title: str, summary: Summary, claimed: set[str]) -> None:
    path = normal_path(path)
    if not path.startswith("/") or path == "/":
        return
    if len(path) > OldLink.PATH_LENGTH:
        summary.change(
            title,
            said(
                N_("old address %(path)s not kept: it is longer than %(limit)s characters"),
                path=f"{path[:60]}…",
                limit=OldLink.PATH_LENGTH,
            ),
        )
        return
    if path in claimed or OldLink.is_taken(path):
        summary.change(
            title, said(N_("old address %(path)s already leads to another post"), path=path)
        )
        return
    claimed.add(path)
    db.session.add(OldLink(path=path, post=post))


def image_path(image) -> str:
    """Where a stored image is served, as the editor's uploads link it (media.IMAGE_LINK)."""
    return f"/image/{image.id}/{image.digest}.{image.extension}"


def _store_images(user: User, entry: Entry, title: str, summary: Summary, dry_run: bool) -> dict:
    """{reference: the author's Image} for each picture the entry carries, stored through
    the upload pipeline and the quota; a picture that is refused is left out (its link
    kept as it was), with the reason. A dry run stores none."""
    stored = {}
    max_pixels = current_app.config["MAX_PICTURE_PIXELS"]
    max_bytes = current_app.config["MAX_PICTURE_BYTES"]
    for reference, data in entry.images.items():
        if len(data) > max_bytes:
            summary.change(
                title,
                said(
                    N_("image %(image)s skipped: over %(limit)s MB"),
                    image=reference,
                    limit=max_bytes // 1048576,
                ),
            )
            continue
        try:
            picture = make_post_image(io.BytesIO(data), max_pixels)
            if dry_run:
                check_room(user, picture)
                summary.images += 1
                continue
            image = store_image(user, picture, alt_text(reference.rsplit("/", 1)[-1]))
        except (InvalidPicture, QuotaFull) as error:
            summary.change(
                title,
                said(N_("image %(image)s skipped: %(why)s"), image=reference, why=str(error)),
            )
            continue
        db.session.flush()
        stored[reference] = image
        summary.images += 1
    return stored
