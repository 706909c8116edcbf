"""Views for accounts: register, confirm, log in and out, the account page and its password,
deletion and export, pictures, resets."""

import io
import logging

from flask import abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.orm import undefer

from flaskblog.caching import cached_for_anonymous
from flaskblog.decorators import admin_required
from flaskblog.email import (
    send_address_taken_email,
    send_confirmation_email,
    send_email_change_emails,
    send_reset_email,
)
from flaskblog.extensions import db, limiter
from flaskblog.models import Avatar, Post, User, UserSession, paginate
from flaskblog.redirects import safe_next_url
from flaskblog.security import (
    log_account_lockout,
    log_address_lockout,
    log_event,
    submitted_email_key,
    user_or_address_key,
)
from flaskblog.transactions import commit_or_rollback, commit_unique
from flaskblog.users import bp
from flaskblog.users.export import account_export
from flaskblog.users.forms import (
    ChangePasswordForm,
    DeleteAccountForm,
    LoginForm,
    RegistrationForm,
    RequestResetForm,
    ResetPasswordForm,
    UpdateAccountForm,
)
from flaskblog.users.user_agents import describe_user_agent

ONE_YEAR = 365 * 24 * 60 * 60


def flash_signed_up(email: str, sent: bool) -> None:
    """The answer to a sign-up, the same whether the address was new or already had an account."""
    if sent:
        flash(
            f"Your account has been created. Check your inbox at {email} for the link that "
            "confirms your address; you can log in meanwhile.",
            "success",
        )
    else:
        flash(
            "Your account has been created, but the confirmation email could not be sent. "
            "Log in and ask for a new one.",
            "warning",
        )


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("5/minute;20/hour", methods=["POST"])
@limiter.limit("5/hour", key_func=submitted_email_key, methods=["POST"])  # no inbox flooding
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegistrationForm()
    if form.validate_on_submit():
        user = User(username=form.username.data, email=form.email.data)
        user.set_password(form.password.data)  # for a taken address too: both answers take as long
        owner = User.by_email(user.email)
        if owner is None:
            db.session.add(user)
            if not commit_or_rollback():  # a concurrent sign-up took the name or the address
                owner = User.by_email(user.email)
        if owner is None and user.id is None:
            form.validate()  # the name was taken meanwhile, which the form now says
        else:
            # A taken address is answered as a new one, and its owner is told instead, so
            # that the page does not reveal who has an account here.
            if owner is None:
                sent = send_confirmation_email(user)
            else:
                log_event("register_taken_email", user_id=owner.id)
                sent = send_address_taken_email(owner)
            flash_signed_up(form.email.data, sent)
            return redirect(url_for("users.login"))
    return render_template("users/register.html", title="Register", form=form)


@bp.route("/login", methods=["GET", "POST"])
# Per client address, and per account against guessing spread over many addresses.
@limiter.limit("10/minute;100/hour", methods=["POST"], on_breach=log_address_lockout)
@limiter.limit(
    "5/minute;20/hour",
    key_func=submitted_email_key,
    methods=["POST"],
    on_breach=log_account_lockout,
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = User.authenticate(form.email.data, form.password.data)
        if user is not None and not user.is_active:
            log_event("login_disabled_account", user_id=user.id)
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
            log_event("login_failed", email=form.email.data)
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
@limiter.limit("10/minute;50/hour", key_func=user_or_address_key, methods=["POST"])
@login_required
def account():
    form = UpdateAccountForm(current_user)
    if form.validate_on_submit():
        new_email = form.new_email  # changes only once confirmed from the new inbox
        other_changes = form.username.data != current_user.username or form.avatar_image is not None
        current_user.username = form.username.data
        if form.avatar_image is not None:
            current_user.set_avatar(form.avatar_image)
        if commit_unique(form):
            if other_changes or new_email is None:
                flash("Your account has been updated.", "success")
            if new_email is not None and send_email_change_emails(current_user, new_email):
                flash(
                    "To change your email address, follow the link in the email on its way "
                    f"to {new_email}. Until then it stays {current_user.email}.",
                    "info",
                )
            elif new_email is not None:
                flash(
                    f"The email to {new_email} could not be sent, so your address stays "
                    f"{current_user.email}. Please try again later.",
                    "warning",
                )
            return redirect(url_for("users.account"))
    return render_template("users/account.html", title="Account", form=form)


@bp.route("/confirm/<token>")
def confirm_email(token: str):
    found = User.verify_email_token(token)
    if found is None:
        flash(
            "That confirmation link is invalid, expired or already used. "
            "Log in to ask for a new one.",
            "warning",
        )
        return redirect(url_for("main.home"))
    user, email = found
    if User.by_email(email) in (None, user):
        user.confirm_email(email)
        if commit_or_rollback():  # another account may have taken the address just now
            flash(f"Thank you: {email} is confirmed as your email address.", "success")
            next_page = "main.home" if current_user.is_authenticated else "users.login"
            return redirect(url_for(next_page))
    flash("That email address now belongs to another account; yours has not changed.", "danger")
    return redirect(url_for("main.home"))


@bp.route("/confirm/resend", methods=["POST"])
@limiter.limit("3/hour", key_func=user_or_address_key)
@login_required
def resend_confirmation():
    if current_user.is_confirmed:
        flash("Your email address is already confirmed.", "info")
    elif send_confirmation_email(current_user):
        flash(f"A new confirmation link is on its way to {current_user.email}.", "info")
    else:
        flash("The confirmation email could not be sent. Please try again later.", "warning")
    return redirect(url_for("main.home"))


@bp.route("/account/password", methods=["GET", "POST"])
@limiter.limit("5/minute;20/hour", key_func=user_or_address_key, methods=["POST"])
@login_required
def change_password():
    form = ChangePasswordForm(current_user)
    if form.validate_on_submit():
        current_user.set_password(form.password.data)
        current_user.end_other_sessions()  # this login stays; every other one ends
        db.session.commit()
        flash("Your password has been changed, and every other login signed out.", "success")
        return redirect(url_for("users.account"))
    return render_template("users/change_password.html", title="Change password", form=form)


@bp.route("/account/delete", methods=["GET", "POST"])
@limiter.limit("5/minute;20/hour", key_func=user_or_address_key, methods=["POST"])
@login_required
def delete_account():
    form = DeleteAccountForm(current_user)
    if form.validate_on_submit():
        user = current_user._get_current_object()
        logout_user()
        # The database deletes the posts, comments, picture and logins with the user.
        db.session.delete(user)
        db.session.commit()
        flash("Your account, with its posts, comments and picture, has been deleted.", "info")
        return redirect(url_for("main.home"))
    return render_template("users/delete_account.html", title="Delete account", form=form)


@bp.route("/account/export")
@login_required
def export_account():
    response = current_app.json.response(account_export(current_user))
    response.headers.set(
        "Content-Disposition", "attachment", filename=f"flaskblog-{current_user.username}.json"
    )
    return response


@bp.route("/account/sessions")
@login_required
def sessions():
    return render_template(
        "users/sessions.html",
        title="Where you are logged in",
        logins=UserSession.for_user(current_user),
        describe_user_agent=describe_user_agent,
    )


@bp.route("/account/sessions/others", methods=["POST"])
@login_required
def end_other_sessions():
    current_user.end_other_sessions()
    db.session.commit()
    flash("You have been signed out everywhere else.", "success")
    return redirect(url_for("users.sessions"))


@bp.route("/account/sessions/<handle>/end", methods=["POST"])
@login_required
def end_session(handle: str):
    chosen = UserSession.by_handle(current_user, handle)
    if chosen is None:
        flash("That session had already ended.", "info")
    elif chosen.made_this_request(current_user):
        return logout()  # "Log out here" is the Log out button
    else:
        db.session.delete(chosen)
        db.session.commit()
        flash(f"Signed out {describe_user_agent(chosen.user_agent)}.", "success")
    return redirect(url_for("users.sessions"))


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


def get_user_or_404(username: str) -> User:
    """The user with this username (any case), or a 404."""
    user = User.by_username(username) if len(username) <= 20 else None
    if user is None:
        abort(404)
    return user


@bp.route("/user/<username>")
@cached_for_anonymous
def user_posts(username: str):
    user = User.profile(username)
    if user is None:
        abort(404)
    posts = paginate(Post.newest_first(author=user), total=user.post_count)
    return render_template("users/user_posts.html", title=user.username, user=user, posts=posts)


@bp.route("/user/<username>/disable", methods=["POST"])
@admin_required
def disable_user(username: str):
    user = get_user_or_404(username)
    if user.id == current_user.id:
        flash("You cannot disable your own account.", "danger")
    else:
        user.disable()
        db.session.commit()
        flash(f"{user.username} is disabled and logged out everywhere.", "success")
    return redirect(url_for("users.user_posts", username=user.username))


@bp.route("/user/<username>/enable", methods=["POST"])
@admin_required
def enable_user(username: str):
    user = get_user_or_404(username)
    user.enable()
    db.session.commit()
    flash(f"{user.username} can log in again.", "success")
    return redirect(url_for("users.user_posts", username=user.username))


@bp.route("/reset_password", methods=["GET", "POST"])
@limiter.limit("5/minute;20/hour", methods=["POST"])
@limiter.limit("3/hour", key_func=submitted_email_key, methods=["POST"])  # no inbox flooding
def reset_request():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RequestResetForm()
    if form.validate_on_submit():
        user = User.by_email(form.email.data)
        log_event(
            "password_reset_requested",
            user_id=user.id if user else None,
            email=form.email.data,
            level=logging.INFO,
        )
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
