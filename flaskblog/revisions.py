"""A post's history: every publish, update and explicit save keeps a revision, and the
editor's autosave of a published post keeps one pending revision until "Update".

The views call these; pruning keeps the history bounded (see prune)."""

from flaskblog.extensions import db
from flaskblog.models import Post, Revision


def _fields(post: Post) -> dict:
    return {
        "title": post.title,
        "content": post.content,
        "tags": ", ".join(tag.name for tag in post.tags),
        "summary": post.summary,
    }


def record(post: Post, user, kind: str) -> Revision:
    """Keep the post as it now is, as a revision of `kind` made by `user`."""
    revision = Revision(post=post, author=user, kind=kind, **_fields(post))
    db.session.add(revision)
    return revision


def pending_for(post: Post) -> Revision | None:
    """The autosaved text of a published post not yet put live by "Update", if any."""
    return db.session.scalar(post.revisions.select().where(Revision.is_pending).limit(1))


def save_pending(post: Post, user, **fields) -> Revision:
    """Autosave for a published post: one pending revision, updated in place; the post
    readers see stays as it is."""
    revision = pending_for(post)
    if revision is None:
        revision = Revision(post=post, author=user, kind="autosave", is_pending=True)
        db.session.add(revision)
    for name, value in fields.items():
        setattr(revision, name, value)
    return revision


def discard_pending(post: Post) -> None:
    """Forget the pending revision: the editor's text was published or thrown away."""
    revision = pending_for(post)
    if revision is not None:
        db.session.delete(revision)
