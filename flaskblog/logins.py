"""Starting and ending the login a request comes with: the login form and a passkey start
one; the Log out button and "Log out here" on the sessions page both end it."""

from flask import current_app, flash, g, request, session
from flask_login import current_user, login_user, logout_user

from flaskblog.extensions import db
from flaskblog.login_limits import remember_device
from flaskblog.models import User


def log_in(user: User, *, remember: bool) -> None:
    """Start a login for `user` (its row, then the cookies) in this browser.

    The CSRF token is dropped, so that a token someone planted or read before the login
    is refused after it; Flask-WTF makes a new one for the next form.
    """
    user.start_session(
        remember=remember, user_agent=request.user_agent.string, ip=request.remote_addr
    )
    db.session.commit()
    csrf_key = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    session.pop(csrf_key, None)
    g.pop(csrf_key, None)  # the signed token, if this request made one already
    login_user(user, remember=remember)


def complete_login(user: User, *, remember: bool) -> None:
    """Everything a successful login does, whichever way the user proved who they are (a
    password, a passkey): the login itself and the known-device cookie. (The security log
    keeps the failures; a login is on the sessions page.)"""
    log_in(user, remember=remember)
    remember_device(user)


def log_out() -> None:
    """End this login, its row in the sessions table included, and say so."""
    if current_user.is_authenticated:
        current_user.end_session()
        db.session.commit()
    logout_user()
    flash("You have been logged out.", "info")
