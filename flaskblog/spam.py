"""Spam defences that need no third party, for the sign-up and comment forms and for new
accounts: a honeypot field, a minimum time between loading a form and sending it, and
tighter limits on posting during an account's first day. Every refusal is written to the
security log."""

import time
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from flask_babel.speaklater import LazyString
from itsdangerous import BadSignature, Signer
from wtforms import HiddenField, StringField

from flaskblog.models import Comment, Post, utcnow
from flaskblog.security import log_event

FORM_STARTED_SALT = "form-started"


class HoneypotField(StringField):
    """A field people never see (see the `honeypot` macro): only a bot fills it in."""


def started_token(at: float | None = None) -> str:
    """A signed note of when a form was served (now, or `at`, in seconds since the epoch)."""
    signer = Signer(current_app.config["SECRET_KEY"], salt=FORM_STARTED_SALT)
    return signer.sign(str(int(time.time() if at is None else at))).decode()


def seconds_since(token: str | None) -> float | None:
    """How long ago the form carrying `token` was served; None if it is missing or forged."""
    signer = Signer(current_app.config["SECRET_KEY"], salt=FORM_STARTED_SALT)
    try:
        return time.time() - int(signer.unsign(token or "").decode())
    except (BadSignature, ValueError):
        return None


class SpamTraps:
    """Mixin for the forms bots fill: sign-up and comments."""

    # "website": the field name form-filling bots are most eager to fill.
    website = HoneypotField(_l("Leave this field empty"))
    form_started = HiddenField(default=started_token)


TOO_FAST = _l(
    "That was sent faster than anyone could fill in the form. Please wait a few seconds "
    "and send it again."
)


def spam_verdict(form: SpamTraps, what: str, user_id: int | None = None) -> str | None:
    """Why a submitted `form` looks like a bot's, logged: "honeypot" (answer as if it worked,
    keep nothing), "too_fast" (the form now says so), or None (looks human)."""
    if form.website.data:
        log_event("spam_honeypot", user_id=user_id, form=what)
        return "honeypot"
    minimum = current_app.config["SPAM_MIN_FORM_SECONDS"]
    if minimum:
        taken = seconds_since(form.form_started.data)
        if taken is None or taken < minimum:
            log_event("spam_too_fast", user_id=user_id, form=what, seconds=taken)
            form.form_started.data = started_token()  # a fresh start for the next try
            form.form_errors.append(str(TOO_FAST))
            return "too_fast"
    return None


def new_account_refusal(user, kind: str) -> LazyString | None:
    """For a user in their first day: why they cannot write another `kind` ("post" or
    "comment") this hour, logged; else None. The limits are NEW_ACCOUNT_POSTS_PER_HOUR
    and NEW_ACCOUNT_COMMENTS_PER_HOUR (0: none).

    Lazy: a page shows it in the reader's language, the API's error in English."""
    limit = current_app.config[f"NEW_ACCOUNT_{kind.upper()}S_PER_HOUR"]
    if not limit or not user.is_new_account():
        return None
    model = Post if kind == "post" else Comment
    if model.count_by_since(user.id, utcnow() - timedelta(hours=1)) < limit:
        return None
    log_event("new_account_limited", user_id=user.id, kind=kind, limit=limit)
    hours = user.NEW_ACCOUNT_HOURS
    if kind == "post":
        return lazy_ngettext(
            "New accounts can write at most %(num)d post an hour during their first "
            "%(hours)d hours. Please try again later.",
            "New accounts can write at most %(num)d posts an hour during their first "
            "%(hours)d hours. Please try again later.",
            limit,
            hours=hours,
        )
    return lazy_ngettext(
        "New accounts can write at most %(num)d comment an hour during their first "
        "%(hours)d hours. Please try again later.",
        "New accounts can write at most %(num)d comments an hour during their first "
        "%(hours)d hours. Please try again later.",
        limit,
        hours=hours,
    )
