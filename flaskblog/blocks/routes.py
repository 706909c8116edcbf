"""Views for blocking and unblocking readers, and the list of the readers you blocked."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from flaskblog.blocks import bp
from flaskblog.extensions import db
from flaskblog.lookups import get_user_or_404
from flaskblog.models import Block
from flaskblog.models.unread import forget_unread_counts
from flaskblog.pagination import page_number, paginate_rows

USERS_PER_PAGE = 30


@bp.route("/user/<username>/block", methods=["POST"])
@login_required
def block(username: str):
    user = get_user_or_404(username)
    profile = url_for("users.user_posts", username=user.username)
    if user.id == current_user.id:
        flash(_("You cannot block yourself."), "warning")
        return redirect(profile)
    Block.block(current_user, user)
    db.session.commit()
    # What the two were told of each other is gone: the counts read with the login are stale.
    forget_unread_counts(current_user)
    flash(
        _(
            "You have blocked %(name)s: they can no longer follow you, message you, "
            "reply to you or comment on your posts.",
            name=user.username,
        ),
        "success",
    )
    return redirect(profile)


@bp.route("/user/<username>/unblock", methods=["POST"])
@login_required
def unblock(username: str):
    user = get_user_or_404(username)
    if Block.unblock(current_user, user):
        db.session.commit()
    flash(_("You have unblocked %(name)s.", name=user.username), "success")
    if request.form.get("next") == "blocked":
        return redirect(url_for("blocks.blocked"))
    return redirect(url_for("users.user_posts", username=user.username))


@bp.route("/account/blocked")
@login_required
def blocked():
    people = paginate_rows(Block.blocked_by(current_user), page_number(), USERS_PER_PAGE)
    return render_template(
        "blocks/blocked.html", title=_("Blocked users"), people=people or abort(404)
    )
