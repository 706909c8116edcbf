"""Views for signing up, confirming an address, logging in and out, and password resets."""

import logging

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from flaskblog.auth import bp
from flaskblog.auth.forms import (
    LoginForm,
    RegistrationForm,
    RequestResetForm,
    ResendConfirmationForm,
    ResetPasswordForm,
    SecondFactorForm,
)
from flaskblog.decorators import visitors_only
from flaskblog.email import send_address_taken_email, send_confirmation_email, send_reset_email
from flaskblog.extensions import db, limiter
from flaskblog.form_pages import visitor_form_page
from flaskblog.i18n import current_language
from flaskblog.login_limits import account_guesses, device_guesses, second_factor_guesses
from flaskblog.logins import (
    complete_login,
    end_pending_login,
    log_out,
    pending_login,
    start_pending_login,
)
from flaskblog.models import User
from flaskblog.redirects import safe_next_url
from flaskblog.security import (
    log_address_lockout,
    log_event,
    submitted_email_key,
    user_or_address_key,
)
from flaskblog.spam import spam_verdict
from flaskblog.transactions import commit_or_rollback


def flash_login_failed() -> None:
    """A wrong password and an unconfirmed address get this one answer, so that logging in
    with the password just chosen at sign-up does not tell a new address from one with an
    account."""
    flash(
        _(
            "Login unsuccessful. Please check your email and password. If you have just "
            "signed up, open the link we emailed you first."
        ),
        "danger",
    )


def flash_signed_up(email: str, sent: bool) -> None:
    """The answer to a sign-up, the same whether the address was new or already had an account."""
    if sent:
        flash(
            _(
                "Your account has been created. Open the link we sent to %(email)s to confirm "
                "your address, then log in.",
                email=email,
            ),
            "success",
        )
    else:
        flash(
            _(
                "Your account has been created, but the confirmation email could not be sent. "
                "Ask for a new link below."
            ),
            "warning",
        )


def create_account(form: RegistrationForm) -> bool:
    """Sign up with the form's details and say so; False if the username was taken
    meanwhile (the form then says so)."""
    # The emails and pages it gets from now on speak the language it signed up in.
    user = User(username=form.username.data, email=form.email.data, language=current_language())
    user.set_password(form.password.data)  # for a taken address too: both answers take as long
    owner = User.by_email(user.email)
    if owner is None:
        db.session.add(user)
        if not commit_or_rollback():  # a concurrent sign-up took the name or the address
            owner = User.by_email(user.email)
    if owner is None and user.id is None:
        form.validate()  # the name was taken meanwhile, which the form now says
        return False
    # A taken address is answered as a new one, and its owner is told instead, so that the
    # page does not reveal who has an account here.
    if owner is None:
        sent = send_confirmation_email(user)
    else:
        log_event("register_taken_email", user_id=owner.id)
        sent = send_address_taken_email(owner)
    flash_signed_up(form.email.data, sent)
    return True


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit("5/minute;20/hour", methods=["POST"])
@limiter.limit("5/hour", key_func=submitted_email_key, methods=["POST"])  # no inbox flooding
@visitors_only
def register():
    form = RegistrationForm()
    if form.validate_on_submit():
        verdict = spam_verdict(form, "register")
        if verdict == "honeypot":
            # A bot: answered as a sign-up that worked, so it learns nothing; nothing is stored.
            flash_signed_up(form.email.data, sent=True)
            return redirect(url_for("auth.login"))
        if verdict is None and create_account(form):
            return redirect(url_for("auth.login"))
    return render_template("auth/register.html", title=_("Register"), form=form)


@bp.route("/login", methods=["GET", "POST"])
# Per client address; and per account (shared with the API), except for the account's own
# known devices, which have budgets of their own, so that guessing cannot lock the owner out.
@limiter.limit("10/minute;100/hour", methods=["POST"], on_breach=log_address_lockout)
@account_guesses
@device_guesses
@visitors_only
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = User.authenticate(form.email.data, form.password.data)
        if user is not None and not user.is_confirmed:
            # Only the confirmation link proves the inbox; until then, answered as a wrong password.
            log_event("login_unconfirmed", user_id=user.id, level=logging.INFO)
            flash_login_failed()
        elif user is not None and not user.is_active:
            log_event("login_disabled_account", user_id=user.id)
            flash(_("This account has been disabled."), "danger")
        elif user is not None and user.has_two_factor:
            # Not logged in at all until /login/2fa accepts a code (Ghost's #25806).
            start_pending_login(
                user, remember=form.remember.data, next_url=safe_next_url(request.args.get("next"))
            )
            log_event("login_password_accepted", user_id=user.id, level=logging.INFO)
            return redirect(url_for("auth.login_second_factor"))
        elif user is not None:
            complete_login(user, remember=form.remember.data)
            return redirect(safe_next_url(request.args.get("next")) or url_for("main.home"))
        else:
            log_event("login_failed", email=form.email.data)
            flash_login_failed()
    return visitor_form_page("auth/login.html", title=_("Log in"), form=form)


# The plain GET's page is kept for the front door too (form_pages.visitor_form_page), which answers
# it with each visitor's own token and cookie, before Flask runs.
login.kept_for_anonymous = True


@bp.route("/login/2fa", methods=["GET", "POST"])
@limiter.limit("10/minute;100/hour", methods=["POST"], on_breach=log_address_lockout)
@second_factor_guesses  # per account: the password was right, the code is being guessed
@visitors_only
def login_second_factor():
    pending = pending_login()
    if pending is None:
        end_pending_login()
        flash(_("Please log in again: the login waited too long for its code."), "info")
        return redirect(url_for("auth.login"))
    user, choices = pending
    form = SecondFactorForm()
    if form.validate_on_submit():
        kind = user.verify_second_factor(form.code.data)
        if kind is None:
            log_event("login_2fa_failed", user_id=user.id)
            form.code.errors.append(_("That code is wrong or has been used already."))
        else:
            end_pending_login()
            complete_login(user, remember=choices["remember"])  # commits the spent code too
            log_event("login_2fa_passed", user_id=user.id, factor=kind, level=logging.INFO)
            if kind == "recovery_code":
                flash_recovery_code_used(user.recovery_codes_left)
            return redirect(choices["next"] or url_for("main.home"))
    return render_template("auth/login_2fa.html", title=_("Two-factor login"), form=form)


def flash_recovery_code_used(left: int) -> None:
    """Say that a recovery code is spent, and how many remain."""
    flash(
        ngettext(
            "You used a recovery code; %(num)d left. Make new ones on the two-factor login "
            "page if you are running short.",
            "You used a recovery code; %(num)d left. Make new ones on the two-factor login "
            "page if you are running short.",
            left,
        ),
        "warning",
    )


@bp.route("/logout", methods=["POST"])
def logout():
    log_out()
    return redirect(url_for("main.home"))


@bp.route("/confirm/<token>")
def confirm_email(token: str):
    found = User.verify_email_token(token)
    if found is None:
        flash(
            _(
                "That confirmation link is invalid, expired or already used. "
                "Ask for a new one from the login page."
            ),
            "warning",
        )
        return redirect(url_for("main.home"))
    user, email = found
    if User.by_email(email) in (None, user):
        moved = email != user.email
        user.confirm_email(email)
        if commit_or_rollback():  # another account may have taken the address just now
            flash(
                _("Thank you: %(email)s is confirmed as your email address.", email=email),
                "success",
            )
            if moved:
                flash(
                    _(
                        "Any other link we emailed you before (a password reset, another "
                        "change of address) is cancelled."
                    ),
                    "info",
                )
            next_page = "main.home" if current_user.is_authenticated else "auth.login"
            return redirect(url_for(next_page))
    flash(_("That email address now belongs to another account; yours has not changed."), "danger")
    return redirect(url_for("main.home"))


@bp.route("/confirm/resend", methods=["GET", "POST"])
@limiter.limit("3/hour", key_func=user_or_address_key, methods=["POST"])
def resend_confirmation():
    if current_user.is_authenticated:
        return resend_own_confirmation()
    form = ResendConfirmationForm()
    if form.validate_on_submit():
        user = User.by_email(form.email.data)
        if user is not None and not user.is_confirmed and user.is_active:
            send_confirmation_email(user)
        # The same answer either way, so the page does not tell who has an account here.
        flash(
            _(
                "If an account with that address is waiting for confirmation, a new link is "
                "on its way to it."
            ),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template(
        "auth/resend_confirmation.html", title=_("Confirm your address"), form=form
    )


def resend_own_confirmation():
    """The banner's button, for a login from before the address had to be confirmed."""
    if request.method != "POST":
        return redirect(url_for("main.home"))
    if current_user.is_confirmed:
        flash(_("Your email address is already confirmed."), "info")
    elif send_confirmation_email(current_user):
        flash(
            _("A new confirmation link is on its way to %(email)s.", email=current_user.email),
            "info",
        )
    else:
        flash(_("The confirmation email could not be sent. Please try again later."), "warning")
    return redirect(url_for("main.home"))


@bp.route("/reset_password", methods=["GET", "POST"])
@limiter.limit("5/minute;20/hour", methods=["POST"])
@limiter.limit("3/hour", key_func=submitted_email_key, methods=["POST"])  # no inbox flooding
@visitors_only
def reset_request():
    form = RequestResetForm()
    if form.validate_on_submit():
        user = User.by_email(form.email.data)
        log_event(
            "password_reset_requested",
            user_id=user.id if user else None,
            email=form.email.data,
            level=logging.INFO,
        )
        if user is not None:
            send_reset_email(user)
        # The same answer either way, so the page does not tell who has an account.
        flash(
            _("If an account uses that email, we have sent it a link to reset the password."),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_request.html", title=_("Reset password"), form=form)


@bp.route("/reset_password/<token>", methods=["GET", "POST"])
@visitors_only
def reset_token(token: str):
    user = User.verify_reset_token(token)
    if user is None:
        flash(
            _("That reset link is invalid, expired or already used. Please ask for a new one."),
            "warning",
        )
        return redirect(url_for("auth.reset_request"))
    form = ResetPasswordForm()
    if form.validate_on_submit():
        user.set_password(form.password.data)
        user.sign_out_everywhere_else()  # a reset means someone else may hold a login
        if not user.is_confirmed:  # the link came to the inbox: that confirms the address
            user.confirm_email(user.email)
        db.session.commit()
        flash(
            _(
                "Your password has been updated: every login and API token has ended, and "
                "links we emailed before (a pending change of address too) are cancelled. "
                "You can now log in."
            ),
            "success",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_token.html", title=_("Reset password"), form=form)
