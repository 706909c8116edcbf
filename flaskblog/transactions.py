"""Committing writes that a unique column can refuse, such as a name another request took."""

from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from flaskblog.extensions import db


def commit_unique(form) -> bool:
    """Commit, or roll back if a unique column clashed; the form then says which.

    The form's own checks run before the insert, but a concurrent request can
    take the same name in between: the database's unique indexes catch that.
    """
    try:
        db.session.commit()
        return True
    except IntegrityError:
        db.session.rollback()
        if form.validate():
            form.form_errors.append(_("That username was just taken. Please try again."))
        return False


def commit_or_rollback() -> bool:
    """Commit, or roll back and return False if a unique column clashed."""
    try:
        db.session.commit()
        return True
    except IntegrityError:
        db.session.rollback()
        return False
