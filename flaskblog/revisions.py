"""A post's history: every publish, update and explicit save keeps a revision, and the
editor's autosave of a published post keeps one pending revision until "Update".

The views call these; pruning keeps the history bounded (see prune)."""

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func

from flaskblog.extensions import db
from flaskblog.models import Post, Revision, Tag, utcnow

# What made a revision (Revision.kind), as its history page names it.
KIND_LABELS = {
    "save": _l("Draft saved"),
    "publish": _l("Published"),
    "update": _l("Updated"),
    "restore": _l("Restored"),
    "autosave": _l("Autosaved"),
}


def kind_label(kind: str) -> str:
    """The words for a revision's `kind`, in the reader's language."""
    return str(KIND_LABELS.get(kind, kind))


def current_fields(post: Post) -> dict:
    """The post's title, content, tags (as text) and summary, as a revision keeps them."""
    return {
        "title": post.title,
        "content": post.content,
        "tags": ", ".join(tag.name for tag in post.tags),
        "summary": post.summary,
    }


def record(post: Post, user, kind: str) -> Revision:
    """Keep the post as it now is, as a revision of `kind` made by `user`, and prune the
    post's older revisions."""
    revision = Revision(post=post, author=user, kind=kind, **current_fields(post))
    db.session.add(revision)
    prune(post)
    return revision


def prune(post: Post) -> int:
    """Drop the revisions of `post` that its history no longer keeps; how many were dropped.

    Kept: every revision of the last Revision.KEEP_ALL_DAYS days and the last one of each
    (UTC) day before, then, newest first, no more than Revision.MAX_PER_POST of them and
    Revision.MAX_CHARACTERS of content. The pending revision is never dropped, nor the
    newest one. Two statements: one reads the ids, times and lengths (never the text) of
    the post's revisions, which the bounds keep to about a hundred; one deletes.
    """
    db.session.flush()  # the revision just recorded counts, with its time
    rows = db.session.execute(
        db.select(Revision.id, Revision.created_at, func.length(Revision.content))
        .where(Revision.post_id == post.id, ~Revision.is_pending)
        .order_by(Revision.created_at.desc(), Revision.id.desc())
    ).all()
    recent_since = utcnow() - timedelta(days=Revision.KEEP_ALL_DAYS)
    kept, characters, days_seen, dropped = 0, 0, set(), []
    for revision_id, created_at, length in rows:
        day = created_at.date()
        keep = created_at >= recent_since or day not in days_seen
        days_seen.add(day)
        if keep and kept > 0:
            keep = kept < Revision.MAX_PER_POST and characters + length <= Revision.MAX_CHARACTERS
        if keep:
            kept, characters = kept + 1, characters + length
        else:
            dropped.append(revision_id)
    if dropped:
        db.session.execute(
            db.delete(Revision).where(Revision.id.in_(dropped)),
            execution_options={"synchronize_session": False},
        )
    return len(dropped)


def pending_for(post: Post) -> Revision | None:
    """The autosaved text of a published post not yet put live by "Update", if any."""
    return db.session.scalar(post.revisions.select().where(Revision.is_pending).limit(1))


def save_pending(post: Post, user, kind: str = "autosave", **fields) -> Revision:
    """Autosave (or a restore, with kind="restore") for a published post: one pending
    revision, updated in place with the `fields` given (title, content, tags, summary);
    the post readers see stays as it is."""
    revision = pending_for(post)
    if revision is None:
        # Fields not given are the post's own.
        revision = Revision(post=post, author=user, is_pending=True, **current_fields(post))
        db.session.add(revision)
    # Its time is that of the text it now holds.
    revision.kind, revision.author, revision.created_at = kind, user, utcnow()
    for name, value in fields.items():
        setattr(revision, name, value)
    return revision


def discard_pending(post: Post) -> None:
    """Forget the pending revision: the editor's text was published or thrown away."""
    revision = pending_for(post)
    if revision is not None:
        db.session.delete(revision)


def matches(post: Post, revision: Revision) -> bool:
    """Whether the post already holds exactly the revision's title, content, tags and summary."""
    fields = current_fields(post)
    return all(getattr(revision, name) == value for name, value in fields.items())


def restore(post: Post, revision: Revision, user) -> Revision | None:
    """Bring back `revision` of `post`, as `user` did.

    A draft takes the revision's fields, and the restore is itself recorded (kind
    "restore"). A published post never changes here: the revision becomes its pending
    revision, which the editor shows until "Update" puts it live. Restoring what the post
    (or its pending revision) already holds changes nothing and records nothing: None.
    """
    fields = {
        "title": revision.title,
        "content": revision.content,
        "tags": revision.tags,
        "summary": revision.summary,
    }
    if post.is_published:
        pending = pending_for(post)
        if pending is not None and pending.id == revision.id:
            return None
        if pending is not None and all(getattr(pending, k) == v for k, v in fields.items()):
            return None
        if pending is None and matches(post, revision):
            return None
        return save_pending(post, user, kind="restore", **fields)
    if matches(post, revision):
        return None
    post.title, post.content, post.summary = revision.title, revision.content, revision.summary
    post.tags = Tag.named(revision.tag_names)
    return record(post, user, "restore")
