"""Views for passkeys: the account's list of them (add, rename, remove), and logging in with
one. Adding one and logging in are each two JSON requests from passkeys.js: the options,
then the browser's answer (see flaskblog.passkeys.ceremonies)."""

import logging

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.exceptions import BadRequest

from flaskblog.decorators import confirmed_required, visitors_only
from flaskblog.extensions import db, limiter
from flaskblog.json_errors import json_error
from flaskblog.logins import complete_login
from flaskblog.models import Passkey
from flaskblog.passkeys import bp, ceremonies
from flaskblog.passkeys.ceremonies import PasskeyError
from flaskblog.passkeys.forms import AddPasskeyForm, RenamePasskeyForm
from flaskblog.redirects import safe_next_url
from flaskblog.security import current_user_id, log_event, user_or_address_key
from flaskblog.transactions import commit_or_rollback
from flaskblog.words import N_

OPTIONS_LIMIT = "10/minute;60/hour"
ANSWER_LIMIT = "10/minute;60/hour"
NOT_YOURS = N_("That passkey is not on your account (it may have been removed already).")


def refused(error: PasskeyError):
    """The JSON answer to a ceremony that failed, in the reader's language for passkeys.js
    to show; written to the security log in English."""
    db.session.rollback()
    log_event(error.event, user_id=error.user_id or current_user_id(), reason=str(error))
    return json_error(BadRequest(), error.for_reader())


def rename_form(passkey: Passkey) -> RenamePasskeyForm:
    return RenamePasskeyForm(prefix=f"passkey-{passkey.id}", data={"name": passkey.name})


# --- The account's passkeys ------------------------------------------------------------------


@bp.route("/account/passkeys", methods=["GET", "POST"])
@limiter.limit(ANSWER_LIMIT, key_func=user_or_address_key, methods=["POST"])
@login_required
@confirmed_required
def passkeys():
    if request.method == "POST":
        return add_passkey()
    return render_template(
        "passkeys/passkeys.html",
        title=_("Passkeys"),
        passkeys=Passkey.for_user(current_user),
        form=AddPasskeyForm(),
        rename_form=rename_form,
    )


def add_passkey():
    """The browser's answer to the registration options, as JSON, with the passkey's name."""
    if not request.is_json:  # the form sent as it is: passkeys.js did not run
        flash(_("Adding a passkey needs JavaScript in your browser."), "warning")
        return redirect(url_for("passkeys.passkeys"))
    try:
        passkey = ceremonies.register(current_user, request.get_json(silent=True))
    except PasskeyError as error:
        return refused(error)
    db.session.add(passkey)
    if not commit_or_rollback():  # the same passkey, registered by a request just before
        return refused(PasskeyError(N_("That passkey is already registered.")))
    log_event("passkey_added", user_id=current_user.id, passkey=passkey.id, level=logging.INFO)
    flash(_("Passkey “%(name)s” added: you can now log in with it.", name=passkey.name), "success")
    return jsonify(redirect=url_for("passkeys.passkeys"))


@bp.route("/account/passkeys/options", methods=["POST"])
@limiter.limit(OPTIONS_LIMIT, key_func=user_or_address_key)
@login_required
@confirmed_required
def registration_options():
    body = request.get_json(silent=True)
    password = body.get("password") if isinstance(body, dict) else None
    if not (isinstance(password, str) and password and current_user.check_password(password)):
        return refused(
            PasskeyError(N_("That is not your current password."), "passkey_password_wrong")
        )
    return jsonify(ceremonies.registration_options(current_user))


@bp.route("/account/passkeys/<int:passkey_id>/rename", methods=["POST"])
@limiter.limit(ANSWER_LIMIT, key_func=user_or_address_key)
@login_required
def rename_passkey(passkey_id: int):
    passkey = Passkey.of_user(current_user, passkey_id)
    if passkey is None:
        flash(_(NOT_YOURS), "danger")
        return redirect(url_for("passkeys.passkeys"))
    form = RenamePasskeyForm(prefix=f"passkey-{passkey.id}")
    if form.validate_on_submit():
        passkey.name = form.name.data
        db.session.commit()
        log_event(
            "passkey_renamed", user_id=current_user.id, passkey=passkey.id, level=logging.INFO
        )
        flash(_("Passkey renamed “%(name)s”.", name=passkey.name), "success")
    else:
        for error in form.name.errors or form.errors.get("csrf_token", []):
            flash(_("The passkey was not renamed: %(error)s", error=error), "danger")
    return redirect(url_for("passkeys.passkeys"))


@bp.route("/account/passkeys/<int:passkey_id>/remove", methods=["POST"])
@limiter.limit(ANSWER_LIMIT, key_func=user_or_address_key)
@login_required
def remove_passkey(passkey_id: int):
    passkey = Passkey.of_user(current_user, passkey_id)
    if passkey is None:
        flash(_(NOT_YOURS), "danger")
        return redirect(url_for("passkeys.passkeys"))
    db.session.delete(passkey)
    db.session.commit()
    log_event("passkey_removed", user_id=current_user.id, passkey=passkey_id)
    flash(
        _(
            "Passkey “%(name)s” removed: it can no longer log in to your account.",
            name=passkey.name,
        ),
        "success",
    )
    return redirect(url_for("passkeys.passkeys"))


# --- Logging in with a passkey ---------------------------------------------------------------


@bp.route("/login/passkey/options", methods=["POST"])
@limiter.limit(OPTIONS_LIMIT)
@visitors_only
def login_options():
    return jsonify(ceremonies.login_options())


@bp.route("/login/passkey", methods=["POST"])
@limiter.limit(ANSWER_LIMIT)
@visitors_only
def login():
    """The browser's answer to the login options; a passkey is both factors at once."""
    body = request.get_json(silent=True)
    try:
        found = ceremonies.authenticate(body)
    except PasskeyError as error:
        return refused(error)
    user = found.user
    if not user.is_confirmed:
        log_event("login_unconfirmed", user_id=user.id, method="passkey", level=logging.INFO)
        return json_error(BadRequest(), _("Confirm your email address before you log in."))
    if not user.is_active:
        log_event("login_disabled_account", user_id=user.id, method="passkey")
        return json_error(BadRequest(), _("This account has been disabled."))
    found.passkey.record_use(found.sign_count)
    complete_login(user, remember=body.get("remember") is True)
    return jsonify(redirect=safe_next_url(request.args.get("next")) or url_for("main.home"))
