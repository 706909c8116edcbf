"""Who may reach a view: visitors only, confirmed users only, admins only."""

import functools

from flask import abort, flash, redirect, url_for
from flask_login import current_user, login_required


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
                "Please confirm your email address before you post or comment: follow the link "
                f"we sent to {current_user.email}, or use the button below for a new one.",
                "warning",
            )
            return redirect(url_for("main.home"))
        return view(*args, **kwargs)

    return confirmed_only


def admin_required(view):
    """Admins only: visitors are asked to log in, other users get a 403."""

    @functools.wraps(view)
    @login_required
    def admins_only(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return admins_only
