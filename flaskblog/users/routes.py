"""Views for users as others see them: public profiles and pictures, and admins' actions."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy.orm import undefer

from flaskblog import account_actions
from flaskblog.caching import cached_for_anonymous, content_response
from flaskblog.decorators import admin_required
from flaskblog.extensions import db
from flaskblog.lookups import get_user_or_404
from flaskblog.models import Avatar, Post, User
from flaskblog.pagination import page_number, paginate
from flaskblog.users import bp


@bp.route("/avatar/<int:user_id>/<digest>.webp")
@cached_for_anonymous
def avatar(user_id: int, digest: str):
    picture = db.session.get(Avatar, user_id, options=[undefer(Avatar.image)])
    if picture is None:
        abort(404)
    if picture.digest != digest:
        # An old URL from a cached page: send it on to the current picture.
        return redirect(url_for("users.avatar", user_id=user_id, digest=picture.digest))
    return content_response(picture.image, Avatar.MIMETYPE, picture.digest, picture.updated_at)


@bp.route("/user/<username>")
@cached_for_anonymous
def user_posts(username: str):
    user = User.profile(username, current_user.id if current_user.is_authenticated else None)
    if user is None:
        abort(404)
    page = page_number()
    posts = paginate(Post.newest_first(author=user), page, total=user.post_count) or abort(404)
    return render_template("users/user_posts.html", title=user.username, user=user, posts=posts)


@bp.route("/user/<username>/disable", methods=["POST"])
@admin_required
def disable_user(username: str):
    user = get_user_or_404(username)
    try:
        message = account_actions.disable_user(current_user, user)
        db.session.commit()
        flash(message, "success")
    except account_actions.Refused as refusal:
        flash(str(refusal), "danger")
    return redirect(url_for("users.user_posts", username=user.username))


@bp.route("/user/<username>/enable", methods=["POST"])
@admin_required
def enable_user(username: str):
    user = get_user_or_404(username)
    message = account_actions.enable_user(current_user, user)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("users.user_posts", username=user.username))
