"""Views for accounts: register, log in and out, the account page, pictures, resets."""

import io

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.orm import undefer

from flaskblog.extensions import db
from flaskblog.models import Avatar, Post, User, paginate
from flaskblog.users import bp
from flaskblog.users.forms import (
    LoginForm,
    RegistrationForm,
    RequestResetForm,
    ResetPasswordForm,
    UpdateAccountForm,
)
from flaskblog.users.utils import commit_unique, safe_next_url, send_reset_email

ONE_YEAR = 365 * 24 * 60 * 60


@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegistrationForm()
    if form.validate_on_submit():
        user = User(username=form.username.data, email=form.email.data)
        user.set_password(form.password.data)
        db.session.add(user)
        if commit_unique(form):
            flash("Your account has been created. You can now log in.", "success")
            return redirect(url_for("users.login"))
    return render_template("users/register.html", title="Register", form=form)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = User.authenticate(form.email.data, form.password.data)
        if user is not None and not user.is_active:
            flash("This account has been disabled.", "danger")
        elif user is not None:
            user.start_session(
                remember=form.remember.data,
                user_agent=request.user_agent.string,
                ip=request.remote_addr,
            )
            db.session.commit()
            login_user(user, remember=form.remember.data)
            return redirect(safe_next_url(request.args.get("next")) or url_for("main.home"))
        else:
            flash("Login unsuccessful. Please check your email and password.", "danger")
    return render_template("users/login.html", title="Log in", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        current_user.end_session()
        db.session.commit()
    logout_user()
    flash("You have been logged out.", "info")
    return redirect(url_for("main.home"))


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = UpdateAccountForm(current_user)
    if form.validate_on_submit():
        current_user.username = form.username.data
        current_user.email = form.email.data
        if form.avatar_image is not None:
            current_user.set_avatar(form.avatar_image)
        if commit_unique(form):
            flash("Your account has been updated.", "success")
            return redirect(url_for("users.account"))
    return render_template("users/account.html", title="Account", form=form)


@bp.route("/avatar/<int:user_id>/<digest>.webp")
def avatar(user_id: int, digest: str):
    picture = db.session.get(Avatar, user_id, options=[undefer(Avatar.image)])
    if picture is None:
        abort(404)
    if picture.digest != digest:
        # An old URL from a cached page: send it on to the current picture.
        return redirect(url_for("users.avatar", user_id=user_id, digest=picture.digest))
    response = send_file(
        io.BytesIO(picture.image),
        mimetype=Avatar.MIMETYPE,
        etag=picture.digest,
        max_age=ONE_YEAR,
        last_modified=picture.updated_at,
    )
    # The URL names the picture's content, so it can be cached for good.
    response.cache_control.immutable = True
    return response


@bp.route("/user/<username>")
def user_posts(username: str):
    user = User.by_username(username) if len(username) <= 20 else None
    if user is None:
        abort(404)
    posts = paginate(Post.newest_first(author=user))
    return render_template("users/user_posts.html", title=user.username, user=user, posts=posts)


@bp.route("/reset_password", methods=["GET", "POST"])
def reset_request():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RequestResetForm()
    if form.validate_on_submit():
        user = User.by_email(form.email.data)
        if user is not None:
            send_reset_email(user)
        # The same answer either way, so the page does not tell who has an account.
        flash(
            "If an account uses that email, we have sent it a link to reset the password.",
            "info",
        )
        return redirect(url_for("users.login"))
    return render_template("users/reset_request.html", title="Reset password", form=form)


@bp.route("/reset_password/<token>", methods=["GET", "POST"])
def reset_token(token: str):
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    user = User.verify_reset_token(token)
    if user is None:
        flash(
            "That reset link is invalid, expired or already used. Please ask for a new one.",
            "warning",
        )
        return redirect(url_for("users.reset_request"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        user.set_password(form.password.data)
        user.end_other_sessions()  # a reset means someone else may hold a login
        db.session.commit()
        flash("Your password has been updated. You can now log in.", "success")
        return redirect(url_for("users.login"))
    return render_template("users/reset_token.html", title="Reset password", form=form)
