"""Two-factor login for tests: turning it on straight in the database, the codes an
authenticator app would show, and the second step of logging in."""

import re
import time

import pyotp

from flaskblog.extensions import db
from flaskblog.models import RecoveryCode, User, utcnow

TOTP_SECRET = re.compile(r'id="totp-secret"[^>]*>([A-Z2-7]+)<')
RECOVERY_CODE = re.compile(r"<li><code>([a-z2-7]{4}(?:-[a-z2-7]{4}){3})</code></li>")


def turn_on_two_factor(app, user_id: int) -> tuple[str, list[str]]:
    """Two-factor login on for the user, as if set up a while ago (no code used yet):
    returns (the secret, the ten recovery codes)."""
    with app.app_context():
        user = db.session.get(User, user_id)
        secret = User.new_totp_secret()
        user.totp_secret, user.totp_enabled_at = secret, utcnow()
        codes = RecoveryCode.replace_all(user)
        db.session.commit()
        return secret, codes


def code_for(secret: str, steps: int = 0) -> str:
    """The code an authenticator app shows now (or `steps` time steps of 30 s from now)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * steps)


def secret_on(response) -> str:
    """The secret the 2FA setup page shows as text (#totp-secret)."""
    match = TOTP_SECRET.search(response.get_data(as_text=True))
    assert match, "no #totp-secret on the page"
    return match.group(1)


def recovery_codes_on(response) -> list[str]:
    """The recovery codes a page shows."""
    return RECOVERY_CODE.findall(response.get_data(as_text=True))


def second_step(forms, code: str):
    """Send `code` to the second step of logging in, as the page's form does."""
    return forms.submit("/login/2fa", {"code": code})
