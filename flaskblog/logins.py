"""Ending the login a request came with: the Log out button and "Log out here" on the
sessions page both come here."""

from flask import flash
from flask_login import current_user, logout_user

from flaskblog.extensions import db


def log_out() -> None:
    """End this login, its row in the sessions table included, and say so."""
    if current_user.is_authenticated:
        current_user.end_session()
        db.session.commit()
    logout_user()
    flash("You have been logged out.", "info")
