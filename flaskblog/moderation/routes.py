"""Views for reporting posts and comments, hiding comments, and the admins' report queue."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import joinedload

from flaskblog.decorators import admin_required, confirmed_required
from flaskblog.extensions import db, limiter
from flaskblog.models import Comment, Post, Report
from flaskblog.moderation import bp
from flaskblog.moderation.forms import ReportForm, ResolveForm
from flaskblog.moderation.resolutions import CannotResolve, kind_of, resolve
from flaskblog.pagination import page_number, paginate_rows
from flaskblog.security import log_event, user_or_address_key
from flaskblog.transactions import commit_or_rollback
from flaskblog.urls import post_url

# Who may use the admins' pages: the one place to change it (admins only: visitors are
# sent to log in, other users get a 403).
admins_only = admin_required

# Reports are cheap to send and cost an admin's time to read.
REPORT_LIMIT = "10/minute;50/day"
REPORTS_PER_PAGE = 20


def get_comment_or_404(comment_id: int) -> Comment:
    """The comment with its post, or a 404; one under a post the reader may not see too."""
    comment = db.get_or_404(Comment, comment_id, options=[joinedload(Comment.post)])
    if not comment.post.can_view(current_user):
        abort(404)
    return comment


def place_of(item: Post | Comment) -> str:
    """Where the item is shown: the post, or the comment under it."""
    return post_url(item) if isinstance(item, Post) else f"{post_url(item.post)}#comment-{item.id}"


def log_in_first(item: Post | Comment):
    """Send a visitor to log in, and back to the item afterwards (not to this POST-only URL)."""
    flash(_("Please log in to do that."), "info")
    return redirect(url_for("auth.login", next=place_of(item)))


def already_reported(kind: str) -> str:
    """What a reader who reported the item before is told."""
    if kind == "post":
        return _("You have already reported this post: an admin will look at it.")
    return _("You have already reported this comment: an admin will look at it.")


def file_report(item: Post | Comment):
    """Store the current user's report of `item`, once; say what happened."""
    kind, back = kind_of(item), place_of(item)
    if item.user_id == current_user.id:
        if kind == "post":
            flash(_("You cannot report your own post."), "warning")
        else:
            flash(_("You cannot report your own comment."), "warning")
        return redirect(back)
    form = ReportForm()
    if not form.validate_on_submit():
        flash(next(iter(form.errors.values()))[0], "danger")
        return redirect(back)
    if Report.exists(current_user, item):
        flash(already_reported(kind), "info")
        return redirect(back)
    report = Report.file(current_user, item, form.reason.data, form.details.data)
    if not commit_or_rollback():  # the same report sent twice at once: one is kept
        flash(already_reported(kind), "info")
        return redirect(back)
    log_event("report_filed", user_id=current_user.id, report_id=report.id, item=kind,
              item_id=item.id, reason=report.reason)  # fmt: skip
    flash(_("Thank you: an admin will look at your report."), "success")
    return redirect(back)


@bp.route("/post/<int:post_id>/report", methods=["POST"])
@limiter.limit(REPORT_LIMIT, key_func=user_or_address_key)
@confirmed_required
def report_post(post_id: int):
    post = db.get_or_404(Post, post_id, options=[joinedload(Post.author)])
    if not post.can_view(current_user) or not post.is_public:
        abort(404)  # nobody reports what is not public, not even its author
    if not current_user.is_authenticated:
        return log_in_first(post)
    return file_report(post)


@bp.route("/comment/<int:comment_id>/report", methods=["POST"])
@limiter.limit(REPORT_LIMIT, key_func=user_or_address_key)
@confirmed_required
def report_comment(comment_id: int):
    comment = get_comment_or_404(comment_id)
    if not current_user.is_authenticated:
        return log_in_first(comment)
    return file_report(comment)


def set_hidden(comment_id: int, hidden: bool):
    """Hide or show a comment: the post's author and admins only."""
    comment = get_comment_or_404(comment_id)
    if not current_user.is_authenticated:
        return log_in_first(comment)
    if not comment.can_moderate(current_user):
        abort(403)
    if hidden:
        comment.hide(current_user)
    else:
        comment.unhide()
    db.session.commit()
    event = "comment_hidden" if hidden else "comment_shown"
    log_event(event, user_id=current_user.id, comment_id=comment.id, post_id=comment.post_id)
    flash(_("The comment is hidden.") if hidden else _("The comment is shown again."), "success")
    return redirect(place_of(comment))


@bp.route("/comment/<int:comment_id>/hide", methods=["POST"])
def hide_comment(comment_id: int):
    return set_hidden(comment_id, True)


@bp.route("/comment/<int:comment_id>/unhide", methods=["POST"])
def unhide_comment(comment_id: int):
    return set_hidden(comment_id, False)


@bp.route("/admin/reports", methods=["GET", "POST"])
@admins_only
def reports():
    form = ResolveForm()
    if form.validate_on_submit() and form.action is not None:
        report = db.session.get(Report, int(form.report_id.data))
        if report is None or not report.is_open:
            flash(_("That report has already been resolved."), "info")
            return redirect(url_for("moderation.reports"))
        try:
            message = resolve(report, form.action, current_user)
        except CannotResolve as refusal:  # nothing was changed
            db.session.rollback()
            flash(str(refusal), "danger")
            return redirect(url_for("moderation.reports"))
        db.session.commit()
        flash(message, "success")
        return redirect(url_for("moderation.reports"))
    if form.is_submitted():
        flash(_("That form was not valid: choose what to do about a report."), "danger")
    queue = paginate_rows(Report.open_queue(), page_number(), REPORTS_PER_PAGE) or abort(404)
    return render_template(
        "moderation/reports.html", title=_("Reports"), reports=queue, open_count=Report.count_open()
    )
