"""Who may reach a view: visitors only, confirmed users only, admins only (with two-factor
login on, where ADMIN_REQUIRE_2FA says so)."""

import functools
import logging

from flask import abort, current_app, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from flaskblog.security import log_event


def visitors_only(view):
    """Send logged-in users home from the pages only visitors need (sign up, log in, reset)."""

    @functools.wraps(view)
    def visitors(*args, **kwargs):
        if current_user.is_authenticated:
            return redirect(url_for("main.home"))
        return view(*args, **kwargs)

    return visitors


def confirmed_required(view):
    """Keep users who have not confirmed their email address out of `view` (writing posts
    and comments), saying why; visitors pass, for @login_required or the view to handle."""

    @functools.wraps(view)
    def confirmed_only(*args, **kwargs):
        if current_user.is_authenticated and not current_user.is_confirmed:
            flash(
                _(
                    "Please confirm your email address before you post or comment: follow the "
                    "link we sent to %(email)s, or use the button below for a new one.",
                    email=current_user.email,
                ),
                "warning",
            )
            return redirect(url_for("main.home"))
        return view(*args, **kwargs)

    return confirmed_only


def admin_without_required_two_factor():
    """A redirect to the 2FA setup page (with a message) if the current user is an admin who
    must turn on two-factor login first (ADMIN_REQUIRE_2FA), else None.

    For a blueprint of admin pages as `bp.before_request` (after checking the user is an
    admin), or inside a view; admin_required calls it for every view it guards.
    """
    if not current_app.config["ADMIN_REQUIRE_2FA"] or current_user.has_two_factor:
        return None
    log_event("admin_needs_two_factor", user_id=current_user.id, level=logging.INFO)
    flash(
        _("Admin pages need two-factor login: turn it on here first, then go back."),
        "warning",
    )
    return redirect(url_for("account.two_factor"))


def admin_required(view):
    """Admins only: visitors are asked to log in, other users get a 403, and admins without
    two-factor login are sent to set it up first when ADMIN_REQUIRE_2FA is on."""

    @functools.wraps(view)
    @login_required
    def admins_only(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return admin_without_required_two_factor() or view(*args, **kwargs)

    return admins_only
