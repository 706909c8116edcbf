"""The unsubscribe link of the digest email: a page with a button (GET), and the one click
itself (POST), from that button or straight from a mail client (RFC 8058)."""

import logging

from flask import render_template

from flaskblog.digest import bp
from flaskblog.digest.forms import UnsubscribeForm
from flaskblog.extensions import csrf, db
from flaskblog.models import NotificationSettings, User
from flaskblog.security import log_event


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # mail clients POST without a form token: the signed token is the authority
def unsubscribe(token: str):
    found = User.verify_unsubscribe_token(token)
    if found is None:
        log_event("unsubscribe_token_refused", level=logging.INFO)
        return answer("invalid", 400)
    user, digest = found
    settings = NotificationSettings.of(user)
    if settings.digest != digest:  # already turned off, or changed since this email
        return answer("already", digest=digest)
    form = UnsubscribeForm()
    if form.validate_on_submit():
        settings.digest = "off"
        db.session.add(settings)
        db.session.commit()
        log_event("digest_unsubscribed", user_id=user.id, level=logging.INFO, digest=digest)
        return answer("done", digest=digest)
    return answer("confirm", digest=digest, form=form)


def answer(state: str, status: int = 200, **context):
    """The page for each outcome. It holds the token in its URL: no cache may keep it, and
    no link from it may pass it on."""
    page = render_template("digest/unsubscribe.html", title="Unsubscribe", state=state, **context)
    return page, status, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
