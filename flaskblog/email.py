"""The emails the site sends about an account: confirming an address, resetting a password,
telling an owner that someone tried their address, and noticing an address change.

Each is built by `send_email` from a template in templates/email/, in the language of the
account it is for (not of whoever's request sent it), and handed to the mail queue
(flaskblog/mailqueue.py), which delivers it off the request path.
"""

from flask import current_app, render_template
from flask_babel import lazy_gettext as _l
from flask_mail import Message
from limits import parse_many

from flaskblog.extensions import limiter
from flaskblog.i18n import speaking_to
from flaskblog.mailqueue import send_later
from flaskblog.models import User
from flaskblog.security import email_hash, log_event

# However many people or forms ask (sign-ups, address changes, resets, confirmations), one
# address gets at most this much mail from the site: nobody can use it to flood an inbox.
MAIL_PER_RECIPIENT = "3/hour;10/day"


def send_email(
    account: User, subject, template: str, *, about: str, to: str | None = None, **context
) -> bool:
    """Render `subject` (a lazy string) and templates/email/`template` with `context` in
    `account`'s language, and queue it for `to` (by default the account's address); False
    (already logged) if it could not be sent or queued. `about` and the account's id name it
    in the mail log.

    Mail beyond MAIL_PER_RECIPIENT is not sent, only logged, and still answers True: the page
    says what it would have said, so it tells nobody how much mail an address has had.
    """
    to = to or account.email
    if not recipient_has_budget(to):
        log_event("mail_not_sent_recipient_limit", user_id=account.id, email=to, about=about)
        return True
    with speaking_to(account):
        subject = str(subject)  # a plain string: the queue pickles the message
        body = render_template(f"email/{template}", **context)
    return send_later(Message(subject, recipients=[to], body=body), about, account.id)


def recipient_has_budget(to: str) -> bool:
    """Count one email to `to` against MAIL_PER_RECIPIENT, unless that would exceed it.

    Counted in the rate limiter's storage (Redis in production), so every worker shares it;
    the address is normalised as accounts store it, and kept only as a hash.
    """
    if not limiter.enabled:
        return True
    budget = parse_many(MAIL_PER_RECIPIENT)
    key = (current_app.config["RATELIMIT_KEY_PREFIX"], "mail-to", email_hash(to))
    if not all(limiter.limiter.test(limit, *key) for limit in budget):
        return False
    for limit in budget:
        limiter.limiter.hit(limit, *key)
    return True


def send_reset_email(user: User) -> bool:
    """Email `user` a password reset link; False (logged) if it could not be sent or queued."""
    return send_email(
        user,
        _l("Reset your flaskblog password"),
        "reset_password.txt",
        about="password reset",
        user=user,
        token=user.get_reset_token(),
        minutes=current_app.config["RESET_TOKEN_MAX_AGE"] // 60,
    )


def send_confirmation_email(user: User, email: str | None = None) -> bool:
    """Email a link confirming `email` (by default the user's current address) to that address,
    in the user's language."""
    email = email or user.email
    changing = email != user.email
    return send_email(
        user,
        _l("Confirm your new flaskblog email address")
        if changing
        else _l("Confirm your flaskblog email address"),
        "confirm_email.txt",
        about="confirmation",
        to=email,
        user=user,
        changing=changing,
        token=user.get_email_token(email),
        hours=current_app.config["CONFIRM_TOKEN_MAX_AGE"] // 3600,
    )


def send_address_taken_email(owner: User, changing: bool = False) -> bool:
    """Tell `owner` that someone tried to sign up with their address (or, `changing`, to move
    another account to it). The page answers as for a new address: only the owner learns."""
    return send_email(
        owner,
        _l("Someone tried to use your flaskblog email address"),
        "address_taken.txt",
        about="address taken",
        owner=owner,
        changing=changing,
    )


def send_email_change_emails(user: User, new_email: str) -> bool:
    """Ask `new_email` to confirm itself, and tell the current address what is going on;
    False if the mail to the new address could not be sent.

    An address that has another account gets a note saying so instead of a link, and the
    page answers the same, so the form cannot be used to find out who has an account.
    """
    owner = User.by_email(new_email)
    if owner is None:
        sent = send_confirmation_email(user, new_email)
    else:
        log_event("email_change_to_taken_address", user_id=user.id)
        sent = send_address_taken_email(owner, changing=True)
    if not sent:
        return False
    send_email(
        user,
        _l("Your flaskblog email address is being changed"),
        "email_change_notice.txt",
        about="email change notice",
        user=user,
        new_email=new_email,
        hours=current_app.config["CONFIRM_TOKEN_MAX_AGE"] // 3600,
    )
    return True
