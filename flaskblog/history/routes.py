"""Views of a post's history, for those who may edit the post: its author, and admins once
it is published (Post.can_edit)."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import defer, joinedload

from flaskblog import revisions
from flaskblog.dates import exact_time, sentence_with
from flaskblog.decorators import confirmed_required
from flaskblog.diffs import diff_post
from flaskblog.extensions import db, limiter
from flaskblog.history import bp
from flaskblog.models import Post, Revision
from flaskblog.pagination import page_number, paginate_rows
from flaskblog.security import user_or_address_key
from flaskblog.timezones import local_date_and_time

REVISIONS_PER_PAGE = 20
# A diff costs at most some 40 ms (flaskblog.diffs): enough for reading a history, not for
# keeping a worker busy.
DIFF_LIMIT = "30/minute;300/hour"
RESTORE_LIMIT = "10/minute;100/hour"


def get_editable_post_or_abort(post_id: int) -> Post:
    """The post if the current user may change it, as the editor decides (the posts
    blueprint's get_own_post_or_abort): 404 if missing or someone else's draft, 403 if
    someone else's published post and the user is not an admin."""
    post = db.get_or_404(Post, post_id, options=[joinedload(Post.author)])
    if not post.can_view(current_user):
        abort(404)
    if not post.can_edit(current_user):
        abort(403)
    return post


def get_revision_or_404(post: Post, revision_id: int) -> Revision:
    """A revision of this post (a revision of another post is a 404)."""
    revision = db.session.scalar(
        post.revisions.select()
        .where(Revision.id == revision_id)
        .options(joinedload(Revision.author))
    )
    if revision is None:
        abort(404)
    return revision


def shown_time(revision: Revision) -> str:
    """When the revision was made, in the reader's time zone, for the page's title (text only)."""
    return local_date_and_time(revision.created_at, current_user)


@bp.route("/post/<int:post_id>/revisions")
@login_required
def revisions_list(post_id: int):
    post = get_editable_post_or_abort(post_id)
    query = (
        post.revisions.select()
        .options(joinedload(Revision.author), defer(Revision.content))
        .order_by(None)
        .order_by(Revision.is_pending.desc(), Revision.created_at.desc(), Revision.id.desc())
    )
    page = paginate_rows(query, page_number(), REVISIONS_PER_PAGE) or abort(404)
    title = _("Revisions of “%(title)s”", title=post.title)
    return render_template(
        "history/revisions.html",
        title=title,
        post=post,
        revisions=page,
        revision_kind=revisions.kind_label,
    )


@bp.route("/post/<int:post_id>/revisions/<int:revision_id>")
@limiter.limit(DIFF_LIMIT, key_func=user_or_address_key)
@login_required
def revision(post_id: int, revision_id: int):
    post = get_editable_post_or_abort(post_id)
    revision = get_revision_or_404(post, revision_id)
    changes = diff_post(revision, revisions.current_fields(post))
    return render_template(
        "history/revision.html",
        title=_("Revision from %(when)s", when=shown_time(revision)),
        post=post,
        revision=revision,
        changes=changes,
        revision_kind=revisions.kind_label,
    )


@bp.route("/post/<int:post_id>/revisions/<int:revision_id>/restore", methods=["POST"])
@limiter.limit(RESTORE_LIMIT, key_func=user_or_address_key)
@login_required
@confirmed_required
def restore(post_id: int, revision_id: int):
    post = get_editable_post_or_abort(post_id)
    revision = get_revision_or_404(post, revision_id)
    when = exact_time(revision.created_at)
    revisions.restore(post, revision, current_user)
    db.session.commit()
    if post.is_published:
        message = _(
            "Restored the version from %(when)s. It is not live yet: press “Update” to publish it."
        )
    else:
        message = _("Restored the version from %(when)s.")
    flash(sentence_with(message, when=when), "success")
    return redirect(url_for("posts.update_post", post_id=post.id))
