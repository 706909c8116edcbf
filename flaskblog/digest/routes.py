"""The unsubscribe link of the digest email: a page with a button (GET), and the one click
itself (POST), from that button or straight from a mail client (RFC 8058). The page speaks
the language the digest was written in: its reader's, whoever opens the link."""

import logging
from contextlib import nullcontext

from flask import render_template
from flask_babel import gettext as _

from flaskblog.digest import bp
from flaskblog.digest.forms import UnsubscribeForm
from flaskblog.extensions import csrf, db
from flaskblog.i18n import speaking_to
from flaskblog.models import NotificationSettings, User
from flaskblog.security import log_event


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # mail clients POST without a form token: the signed token is the authority
def unsubscribe(token: str):
    found = User.verify_unsubscribe_token(token)
    if found is None:
        log_event("unsubscribe_token_refused", level=logging.INFO)
        return answer("invalid", status=400)
    user, digest = found
    settings = NotificationSettings.of(user)
    if settings.digest != digest:  # already turned off, or changed since this email
        return answer("already", user, digest=digest)
    form = UnsubscribeForm()
    if form.validate_on_submit():
        settings.digest = "off"
        db.session.add(settings)
        db.session.commit()
        log_event("digest_unsubscribed", user_id=user.id, level=logging.INFO, digest=digest)
        return answer("done", user, digest=digest)
    return answer("confirm", user, digest=digest, form=form)


def answer(state: str, user: User | None = None, status: int = 200, **context):
    """The page for each outcome, in `user`'s language when the token named them. It holds
    the token in its URL: no cache may keep it, and no link from it may pass it on."""
    with speaking_to(user) if user is not None else nullcontext():
        page = render_template(
            "digest/unsubscribe.html", title=_("Unsubscribe"), state=state, **context
        )
    return page, status, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
