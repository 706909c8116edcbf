"""Starting and ending the login a request comes with: the login form starts one (for an
account with two-factor login, only once /login/2fa has accepted a code), and so does a
passkey; the Log out button and "Log out here" on the sessions page both end it."""

from flask import current_app, flash, g, request, session
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from flaskblog import login_limits  # a module: login_limits reads the pending login from here
from flaskblog.extensions import db
from flaskblog.models import User
from flaskblog.visitor_csrf import forget_visitor

# The signed token in the session that says "this password was right; a code is due".
PENDING_LOGIN_SALT = "login-second-step"
PENDING_LOGIN_KEY = "pending_login"


def log_in(user: User, *, remember: bool) -> None:
    """Start a login for `user` (its row, then the cookies) in this browser.

    The CSRF token is dropped, so that a token someone planted or read before the login
    is refused after it; Flask-WTF makes a new one for the next form. The visitor cookie
    goes too (flaskblog.visitor_csrf): nothing made before the login works after it, nor
    after the logout, which starts as a new visitor.
    """
    user.start_session(
        remember=remember, user_agent=request.user_agent.string, ip=request.remote_addr
    )
    db.session.commit()
    csrf_key = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    session.pop(csrf_key, None)
    g.pop(csrf_key, None)  # the signed token, if this request made one already
    forget_visitor()
    login_user(user, remember=remember)


def complete_login(user: User, *, remember: bool) -> None:
    """Everything a successful login does, whichever way the user proved who they are (a
    password, a passkey): the login itself and the known-device cookie. (The security log
    keeps the failures; a login is on the sessions page.)"""
    log_in(user, remember=remember)
    login_limits.remember_device(user)


def log_out() -> None:
    """End this login, its row in the sessions table included, and say so."""
    if current_user.is_authenticated:
        current_user.end_session()
        db.session.commit()
    logout_user()
    flash(_("You have been logged out."), "info")


def start_pending_login(user: User, *, remember: bool, next_url: str | None) -> None:
    """After a correct password for an account with two-factor login: remember, in the
    signed session only, who is logging in, whether to remember them and where to go next.
    Nothing else starts: no Flask-Login session, no remember cookie, no login row.

    The token dies after TWO_FACTOR_LOGIN_SECONDS and with the account's security stamp (a
    new password, disabling, 2FA turned off or reset).
    """
    session[PENDING_LOGIN_KEY] = user.get_token(
        PENDING_LOGIN_SALT, remember="yes" if remember else None, next=next_url
    )


def pending_login() -> tuple[User, dict] | None:
    """(user, {"remember", "next"}) of the login waiting for its code, if there is one that
    has not expired and whose account still needs the code and may log in; else None."""
    token = session.get(PENDING_LOGIN_KEY)
    if not isinstance(token, str):
        return None
    found = User.verify_token(
        PENDING_LOGIN_SALT, token, current_app.config["TWO_FACTOR_LOGIN_SECONDS"]
    )
    if found is None:
        return None
    user, data = found
    if not (user.has_two_factor and user.is_active and user.is_confirmed):
        return None
    next_url = data.get("next")
    return user, {
        "remember": data.get("remember") == "yes",
        "next": next_url if isinstance(next_url, str) else None,
    }


def pending_user_id() -> int | None:
    """The id of the account a pending login names, for rate limits (no database)."""
    token = session.get(PENDING_LOGIN_KEY)
    return User.token_user_id(PENDING_LOGIN_SALT, token) if isinstance(token, str) else None


def end_pending_login() -> None:
    """Forget the login waiting for its code (it succeeded, or has expired)."""
    session.pop(PENDING_LOGIN_KEY, None)
