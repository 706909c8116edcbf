"""Views for following writers, the following feed, follower lists and bookmarks."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from flaskblog.decorators import confirmed_required
from flaskblog.extensions import db
from flaskblog.follows import bp
from flaskblog.lookups import get_user_or_404
from flaskblog.models import Bookmark, Follow, Notification, Post
from flaskblog.models.block import follow_refusal
from flaskblog.models.notification import FOLLOWER, notify
from flaskblog.pagination import page_number, paginate, paginate_rows
from flaskblog.urls import post_url

USERS_PER_PAGE = 30


def get_visible_post_or_404(post_id: int) -> Post:
    """The post, or a 404 if the reader may not see it (someone else's draft)."""
    post = db.get_or_404(Post, post_id)
    if not post.can_view(current_user):
        abort(404)
    return post


@bp.route("/user/<username>/follow", methods=["POST"])
@login_required
@confirmed_required
def follow(username: str):
    user = get_user_or_404(username)
    profile = url_for("users.user_posts", username=user.username)
    if user.id == current_user.id:
        flash(_("You cannot follow yourself."), "warning")
        return redirect(profile)
    if not user.is_active:
        flash(
            _("%(name)s's account is disabled: it cannot be followed.", name=user.username),
            "warning",
        )
        return redirect(profile)
    refusal = follow_refusal(current_user, user)
    if refusal:
        flash(refusal, "warning")
        return redirect(profile)
    if Follow.follow(current_user, user):
        # Once per follower: unfollowing and following again does not tell them again.
        if not Notification.told_before(user, FOLLOWER, current_user):
            notify(user, FOLLOWER, current_user)
        db.session.commit()
    flash(_("You are following %(name)s.", name=user.username), "success")
    return redirect(profile)


@bp.route("/user/<username>/unfollow", methods=["POST"])
@login_required
@confirmed_required
def unfollow(username: str):
    user = get_user_or_404(username)
    if Follow.unfollow(current_user, user):
        db.session.commit()
    flash(_("You are no longer following %(name)s.", name=user.username), "success")
    return redirect(url_for("users.user_posts", username=user.username))


@bp.route("/user/<username>/followers")
def followers(username: str):
    user = get_user_or_404(username)
    people = paginate_rows(Follow.followers_of(user), page_number(), USERS_PER_PAGE) or abort(404)
    return render_template(
        "follows/people.html",
        title=_("Followers of %(name)s", name=user.username),
        user=user,
        people=people,
        endpoint="follows.followers",
        empty=_("Nobody follows %(name)s yet.", name=user.username),
    )


@bp.route("/user/<username>/following")
def following_list(username: str):
    user = get_user_or_404(username)
    people = paginate_rows(Follow.followed_by(user), page_number(), USERS_PER_PAGE) or abort(404)
    return render_template(
        "follows/people.html",
        title=_("Followed by %(name)s", name=user.username),
        user=user,
        people=people,
        endpoint="follows.following_list",
        empty=_("%(name)s follows nobody yet.", name=user.username),
    )


@bp.route("/following")
@login_required
def following():
    posts = paginate(Follow.feed_for(current_user), page_number()) or abort(404)
    suggestions = [] if posts.items else Follow.suggestions_for(current_user)
    return render_template(
        "follows/following.html", title=_("Following"), posts=posts, suggestions=suggestions
    )


@bp.route("/post/<int:post_id>/bookmark", methods=["POST"])
@login_required
def bookmark(post_id: int):
    post = get_visible_post_or_404(post_id)
    if Bookmark.add(current_user, post):
        db.session.commit()
    flash(_("Saved to your bookmarks."), "success")
    return redirect(post_url(post))


@bp.route("/post/<int:post_id>/unbookmark", methods=["POST"])
@login_required
def unbookmark(post_id: int):
    post = get_visible_post_or_404(post_id)
    if Bookmark.remove(current_user, post):
        db.session.commit()
    flash(_("Removed from your bookmarks."), "success")
    if request.form.get("next") == "bookmarks":
        return redirect(url_for("follows.bookmarks"))
    return redirect(post_url(post))


@bp.route("/bookmarks")
@login_required
def bookmarks():
    posts = paginate(Bookmark.posts_of(current_user), page_number()) or abort(404)
    return render_template("follows/bookmarks.html", title=_("Your bookmarks"), posts=posts)
