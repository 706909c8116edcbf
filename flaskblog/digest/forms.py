"""The one form of the unsubscribe page: a button."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField


class UnsubscribeForm(FlaskForm):
    """Turns the digest off. No CSRF token: mail clients POST the link without one (RFC
    8058), so the signed token in the URL is the authority, and it can only turn a digest
    off."""

    class Meta:
        csrf = False

    submit = SubmitField(_l("Stop the digest emails"))
