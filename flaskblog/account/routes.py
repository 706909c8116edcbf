"""Views for the account pages: name, address and picture; password; two-factor login; where
the user is logged in; export and deletion."""

import logging

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from flaskblog.account import bp
from flaskblog.account.export import account_export, export_zip
from flaskblog.account.forms import (
    ChangePasswordForm,
    DeleteAccountForm,
    DisableTwoFactorForm,
    EnableTwoFactorForm,
    ImportForm,
    NewRecoveryCodesForm,
    ThemeForm,
    UpdateAccountForm,
)
from flaskblog.account.qr import qr_svg
from flaskblog.account.user_agents import describe_user_agent
from flaskblog.dates import exact_time, sentence_with
from flaskblog.decorators import confirmed_required
from flaskblog.email import send_email_change_emails
from flaskblog.extensions import db, limiter
from flaskblog.imports import jobs
from flaskblog.logins import log_out
from flaskblog.models import ApiToken, ImportJob, Post, User, UserSession
from flaskblog.redirects import safe_next_url, same_site_referrer
from flaskblog.security import log_event, user_or_address_key
from flaskblog.transactions import commit_unique
from flaskblog.words import in_reader_language

# An import writes up to thousands of posts at once: a few an hour are plenty for anyone.
IMPORT_LIMIT = "5/hour;20/day"


@bp.route("/account", methods=["GET", "POST"])
@limiter.limit("10/minute;50/hour", key_func=user_or_address_key, methods=["POST"])
@login_required
def account():
    form = UpdateAccountForm(current_user)
    if form.validate_on_submit():
        new_email = form.new_email  # changes only once confirmed from the new inbox
        # The answer speaks the language the form was sent in, even when it changes here:
        # the first word said fixes this request's language.
        updated = _("Your account has been updated.")
        current_user.username = form.username.data
        current_user.set_profile(**form.profile)
        other_changes = db.session.is_modified(current_user) or form.avatar_image is not None
        if form.avatar_image is not None:
            current_user.set_avatar(form.avatar_image)
        if commit_unique(form):
            if other_changes or new_email is None:
                flash(updated, "success")
            if new_email is not None and send_email_change_emails(current_user, new_email):
                flash(
                    _(
                        "To change your email address, follow the link in the email on its "
                        "way to %(new)s. Until then it stays %(current)s.",
                        new=new_email,
                        current=current_user.email,
                    ),
                    "info",
                )
            elif new_email is not None:
                flash(
                    _(
                        "The email to %(new)s could not be sent, so your address stays "
                        "%(current)s. Please try again later.",
                        new=new_email,
                        current=current_user.email,
                    ),
                    "warning",
                )
            return redirect(url_for("account.account"))
    return render_template("account/account.html", title=_("Account"), form=form)


@bp.route("/account/theme", methods=["POST"])
@limiter.limit("30/minute", key_func=user_or_address_key)
@login_required
def theme():
    """Keep the account's theme, so every page comes in it from the first byte; back to
    the page the toggle was on, named by `next` or else by the Referer (visitors keep
    theirs in the browser: static/js/theme.js)."""
    form = ThemeForm()
    if not form.validate_on_submit():
        flash(_("Choose the light or the dark theme."), "danger")
    else:
        chosen = form.theme.data
        current_user.theme = None if chosen == ThemeForm.AUTOMATIC else chosen
        db.session.commit()
    back = safe_next_url(request.form.get("next")) or same_site_referrer(
        request.referrer, request.host
    )
    return redirect(back or url_for("main.home"))


@bp.route("/account/password", methods=["GET", "POST"])
@limiter.limit("5/minute;20/hour", key_func=user_or_address_key, methods=["POST"])
@login_required
def change_password():
    form = ChangePasswordForm(current_user)
    if form.validate_on_submit():
        current_user.set_password(form.password.data)
        current_user.sign_out_everywhere_else()  # this login stays; every other one ends
        db.session.commit()
        flash(
            _(
                "Your password has been changed: every other login and API token has ended, "
                "and links we emailed before (a pending change of address too) are cancelled."
            ),
            "success",
        )
        return redirect(url_for("account.account"))
    return render_template("account/change_password.html", title=_("Change password"), form=form)


# The secret offered while two-factor login is being set up, kept in the signed session
# between showing the QR code and confirming it (the database learns it once confirmed).
TOTP_SETUP_KEY = "totp_setup"
# The 2FA page has two forms with a `code` field: this one's is `recovery-code`.
RECOVERY_PREFIX = "recovery"


@bp.route("/account/2fa", methods=["GET", "POST"])
@limiter.limit("5/minute;20/hour", key_func=user_or_address_key, methods=["POST"])
@login_required
def two_factor():
    if current_user.has_two_factor:
        return render_two_factor_on()
    secret = session.get(TOTP_SETUP_KEY)
    if not isinstance(secret, str) or len(secret) != User.TOTP_SECRET_LENGTH:
        secret = session[TOTP_SETUP_KEY] = User.new_totp_secret()
    form = EnableTwoFactorForm()
    if form.validate_on_submit():
        codes = current_user.enable_two_factor(secret, form.code.data)
        if codes is None:
            form.code.errors.append(_("That code is not the one your app shows now: try again."))
        else:
            db.session.commit()
            session.pop(TOTP_SETUP_KEY, None)
            log_event("two_factor_enabled", user_id=current_user.id, level=logging.INFO)
            flash(
                _("Two-factor login is on: every other login and API token has ended."), "success"
            )
            return render_two_factor_on(recovery_codes=codes)
    uri = current_user.totp_uri(secret)
    return render_template(
        "account/two_factor_setup.html",
        title=_("Two-factor login"),
        form=form,
        secret=secret,
        qr_code=qr_svg(uri, _("QR code for your authenticator app")),
    )


def render_two_factor_on(
    recovery_codes: list[str] | None = None, disable_form: DisableTwoFactorForm | None = None
):
    """The 2FA page while it is on: new recovery codes (once, when just made), the forms to
    make new ones and to turn it off."""
    return render_template(
        "account/two_factor_on.html",
        title=_("Two-factor login"),
        recovery_codes=recovery_codes,
        codes_left=current_user.recovery_codes_left,
        codes_form=NewRecoveryCodesForm(formdata=None, prefix=RECOVERY_PREFIX),
        disable_form=disable_form or DisableTwoFactorForm(current_user, formdata=None),
    )


@bp.route("/account/2fa/recovery-codes", methods=["POST"])
@limiter.limit("5/minute;20/hour", key_func=user_or_address_key, methods=["POST"])
@login_required
def new_recovery_codes():
    if not current_user.has_two_factor:
        return redirect(url_for("account.two_factor"))
    form = NewRecoveryCodesForm(prefix=RECOVERY_PREFIX)
    if form.validate_on_submit():
        if current_user.verify_second_factor(form.code.data) is None:
            log_event("two_factor_code_refused", user_id=current_user.id, action="recovery_codes")
            flash(
                _("That code is wrong or has been used already: no new codes were made."), "danger"
            )
        else:
            codes = current_user.new_recovery_codes()
            db.session.commit()
            log_event("recovery_codes_replaced", user_id=current_user.id, level=logging.INFO)
            flash(_("Here are your new recovery codes; the old ones no longer work."), "success")
            return render_two_factor_on(recovery_codes=codes)
    else:
        flash(_("Enter a code to make new recovery codes."), "danger")
    return redirect(url_for("account.two_factor"))


@bp.route("/account/2fa/disable", methods=["POST"])
@limiter.limit("5/minute;20/hour", key_func=user_or_address_key, methods=["POST"])
@login_required
def disable_two_factor():
    if not current_user.has_two_factor:
        flash(_("Two-factor login is already off."), "info")
        return redirect(url_for("account.two_factor"))
    form = DisableTwoFactorForm(current_user)
    if form.validate_on_submit():
        if current_user.verify_second_factor(form.code.data) is None:
            form.code.errors.append(_("That code is wrong or has been used already."))
        else:
            current_user.reset_two_factor()
            db.session.commit()
            log_event("two_factor_disabled", user_id=current_user.id)
            flash(
                _("Two-factor login is off: every other login and API token has ended."), "success"
            )
            return redirect(url_for("account.two_factor"))
    log_event("two_factor_disable_refused", user_id=current_user.id)
    return render_two_factor_on(disable_form=form)


@bp.route("/account/delete", methods=["GET", "POST"])
@limiter.limit("5/minute;20/hour", key_func=user_or_address_key, methods=["POST"])
@login_required
def delete_account():
    form = DeleteAccountForm(current_user)
    if form.validate_on_submit():
        user = current_user._get_current_object()
        logout_user()
        # The database deletes the posts, comments, picture and logins with the user.
        db.session.delete(user)
        db.session.commit()
        flash(_("Your account, with its posts, comments and picture, has been deleted."), "info")
        return redirect(url_for("main.home"))
    return render_template("account/delete_account.html", title=_("Delete account"), form=form)


@bp.route("/account/export")
@login_required
def export_account():
    response = current_app.json.response(account_export(current_user))
    response.headers.set(
        "Content-Disposition", "attachment", filename=f"flaskblog-{current_user.username}.json"
    )
    return response


@bp.route("/account/export.zip")
@limiter.limit("10/hour", key_func=user_or_address_key)
@login_required
def export_zip_download():
    response = current_app.response_class(export_zip(current_user), mimetype="application/zip")
    response.headers.set(
        "Content-Disposition", "attachment", filename=f"flaskblog-{current_user.username}.zip"
    )
    return response


@bp.route("/account/import", methods=["GET", "POST"])
@limiter.limit(IMPORT_LIMIT, key_func=user_or_address_key, methods=["POST"])
@login_required
@confirmed_required
def import_posts():
    form = ImportForm()
    if form.validate_on_submit():
        refusal = new_account_import_refusal(current_user)
        if refusal:
            form.form_errors.append(refusal)
            return render_import_page(form, status=429)
        upload = form.file.data
        job = ImportJob(
            owner=current_user,
            filename=ImportJob.display_name(upload.filename),
            data=upload.read(),
        )
        db.session.add(job)
        db.session.commit()
        jobs.start(job)
        flash(_("Your file is being imported: this page shows how it is going."), "info")
        return redirect(url_for("account.import_job", job=job.handle))
    return render_import_page(form)


def render_import_page(form: ImportForm, status: int = 200):
    recent = ImportJob.recent_of(current_user)
    for job in recent:
        jobs.give_up_if_stalled(job)
    page = render_template(
        "account/import.html",
        title=_("Import posts"),
        form=form,
        recent=recent,
        max_tags=Post.MAX_TAGS,
    )
    return page, status


def new_account_import_refusal(user) -> str | None:
    """Where new accounts may write only a few posts an hour (NEW_ACCOUNT_POSTS_PER_HOUR),
    they import nothing in their first day: an import is thousands of posts at once."""
    if not current_app.config["NEW_ACCOUNT_POSTS_PER_HOUR"] or not user.is_new_account():
        return None
    log_event("new_account_limited", user_id=user.id, kind="import")
    return _(
        "New accounts can import posts once they are %(hours)d hours old. Please try again later.",
        hours=User.NEW_ACCOUNT_HOURS,
    )


@bp.route("/account/import/<job>")
@login_required
def import_job(job: str):
    found = ImportJob.of(current_user, job) or abort(404)
    # A job whose worker died would wait for ever: the page that shows it gives it up.
    jobs.give_up_if_stalled(found)
    return render_template(
        "account/import_job.html", title=_("Import"), job=found, in_words=in_reader_language
    )


@bp.route("/account/sessions")
@login_required
def sessions():
    return render_template(
        "account/sessions.html",
        title=_("Where you are logged in"),
        logins=UserSession.for_user(current_user),
        api_tokens=ApiToken.for_user(current_user),
        describe_user_agent=describe_user_agent,
    )


@bp.route("/account/sessions/others", methods=["POST"])
@login_required
def end_other_sessions():
    current_user.sign_out_everywhere_else()
    db.session.commit()
    flash(
        _(
            "You have been signed out everywhere else: your API tokens have ended, and links "
            "we emailed before (a pending change of address too) are cancelled."
        ),
        "success",
    )
    return redirect(url_for("account.sessions"))


@bp.route("/account/sessions/<handle>/end", methods=["POST"])
@login_required
def end_session(handle: str):
    chosen = UserSession.by_handle(current_user, handle)
    if chosen is None:
        flash(_("That session had already ended."), "info")
    elif chosen.made_this_request(current_user):
        log_out()  # "Log out here" is the Log out button
        return redirect(url_for("main.home"))
    else:
        db.session.delete(chosen)
        db.session.commit()
        flash(_("Signed out %(device)s.", device=describe_user_agent(chosen.user_agent)), "success")
    return redirect(url_for("account.sessions"))


@bp.route("/account/tokens/<handle>/end", methods=["POST"])
@login_required
def end_api_token(handle: str):
    chosen = ApiToken.by_handle(current_user, handle)
    if chosen is None:  # another user's token, or none at all: nothing to say about it
        abort(404)
    db.session.delete(chosen)
    db.session.commit()
    made = exact_time(chosen.created_at)
    flash(sentence_with(_("The API token made %(when)s has ended."), when=made), "success")
    return redirect(url_for("account.sessions"))
