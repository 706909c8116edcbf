"""The two WebAuthn ceremonies, through py_webauthn: registering a passkey and logging in with
one. Each is two requests: the options (with a fresh challenge, kept in the signed session),
then the browser's answer, checked against that challenge, which is used up on the way.

The views turn a `PasskeyError` into a JSON error; nothing here knows of responses.
"""

import json
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app, request, session
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import parse_authentication_credential_json
from webauthn.helpers.exceptions import WebAuthnException
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from flaskblog.extensions import db
from flaskblog.models import Passkey, PasskeyUserHandle, User
from flaskblog.words import N_, in_english, in_reader_language, said

# How long the browser (and the person at it) has to answer the options, in seconds.
CHALLENGE_SECONDS = 300
REGISTRATION = "passkey_registration"
LOGIN = "passkey_login"
KNOWN_TRANSPORTS = frozenset(transport.value for transport in AuthenticatorTransport)


class PasskeyError(Exception):
    """A ceremony that cannot go on: `message` (a msgid marked with N_, its values after it)
    is for the person, in their language (`for_reader()`); `str(error)` is the English for
    the security log, where `event` names it."""

    def __init__(
        self,
        message: str,
        event: str = "passkey_refused",
        user_id: int | None = None,
        **values: str | int,
    ) -> None:
        self.sentence = said(message, **values)
        super().__init__(in_english(self.sentence))
        self.event = event
        self.user_id = user_id

    def for_reader(self) -> str:
        """The message in the language of the page that asked."""
        return in_reader_language(self.sentence)


def no_challenge() -> PasskeyError:
    return PasskeyError(
        N_("This passkey request has expired or was already used. Please try again."),
        "passkey_challenge",
    )


# --- Who we are: the relying party --------------------------------------------------------


def relying_party() -> tuple[str, str]:
    """(rp id, origin) for this request: WEBAUTHN_RP_ID and WEBAUTHN_ORIGIN when set, else the
    host of SERVER_NAME (or of the request, in development) and the request's own origin."""
    config = current_app.config
    rp_id = config.get("WEBAUTHN_RP_ID")
    if not rp_id:
        host = config.get("SERVER_NAME") or request.host
        rp_id = urlsplit(f"//{host}").hostname or ""
    origin = config.get("WEBAUTHN_ORIGIN") or f"{request.scheme}://{request.host}"
    return rp_id, origin


# --- The challenge, in the signed session ----------------------------------------------


def _keep_challenge(kind: str, challenge: bytes, **bound: int) -> None:
    session[kind] = {"challenge": challenge.hex(), "issued": time.time(), **bound}


def _take_challenge(kind: str) -> dict:
    """The challenge of the ceremony under way, removed from the session (a challenge is used
    once); PasskeyError if there is none, or it is too old."""
    kept = session.pop(kind, None)
    if not isinstance(kept, dict) or time.time() - kept.get("issued", 0) > CHALLENGE_SECONDS:
        raise no_challenge()
    return {**kept, "challenge": bytes.fromhex(kept["challenge"])}


def _as_json(options) -> dict:
    return json.loads(options_to_json(options))


# --- Registering a passkey -------------------------------------------------------------------


def registration_options(user: User) -> dict:
    """The options for navigator.credentials.create(): a discoverable credential bound to the
    user's handle, and none of the authenticators the user has already registered."""
    rp_id, _ = relying_party()
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=current_app.config["WEBAUTHN_RP_NAME"],
        user_id=PasskeyUserHandle.for_user(user),
        user_name=user.email,
        user_display_name=user.username,
        timeout=CHALLENGE_SECONDS * 1000,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=passkey.credential_id)
            for passkey in Passkey.for_user(user)
        ],
    )
    db.session.commit()  # the user handle, made the first time
    _keep_challenge(REGISTRATION, options.challenge, user=user.id)
    return _as_json(options)


def register(user: User, body: object) -> Passkey:
    """The new passkey (added to the database session) from the browser's answer to the
    registration options: `{"name": ..., "credential": {...}}`."""
    if not isinstance(body, dict):
        raise PasskeyError(N_("Send the passkey as a JSON object."), "passkey_bad_request")
    name = Passkey.clean_name(body.get("name"))
    if name is None:
        raise PasskeyError(
            N_("Give the passkey a name of 1 to %(limit)s characters."),
            "passkey_bad_request",
            limit=Passkey.NAME_LENGTH,
        )
    kept = _take_challenge(REGISTRATION)
    if kept.get("user") != user.id:
        raise no_challenge()
    credential = body.get("credential")
    if not isinstance(credential, dict):
        raise PasskeyError(N_("The browser's passkey is missing."), "passkey_bad_request")
    rp_id, origin = relying_party()
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=kept["challenge"],
            expected_rp_id=rp_id,
            expected_origin=origin,
        )
    except (WebAuthnException, ValueError, TypeError, KeyError, AttributeError) as error:
        raise PasskeyError(
            N_("The passkey could not be verified. Please try again."),
            "passkey_registration_failed",
        ) from error
    if Passkey.by_credential_id(verified.credential_id) is not None:
        raise PasskeyError(N_("That passkey is already registered."), "passkey_registration_failed")
    return Passkey(
        user_id=user.id,
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=_transports(credential),
        name=name,
    )


def _transports(credential: object) -> str:
    """The transports the browser reported, the known ones only."""
    response = credential.get("response") if isinstance(credential, dict) else None
    reported = response.get("transports") if isinstance(response, dict) else None
    if not isinstance(reported, list):
        return ""
    kept = sorted({value for value in reported if value in KNOWN_TRANSPORTS})
    return ",".join(kept)[: Passkey.TRANSPORTS_LENGTH]


# --- Logging in with a passkey ---------------------------------------------------------------


def login_options() -> dict:
    """The options for navigator.credentials.get(): no credentials listed, so the browser
    offers the passkeys it holds for this site (discoverable credentials)."""
    rp_id, _ = relying_party()
    options = generate_authentication_options(
        rp_id=rp_id,
        timeout=CHALLENGE_SECONDS * 1000,
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    _keep_challenge(LOGIN, options.challenge)
    return _as_json(options)


@dataclass
class PasskeyLogin:
    """A verified login: whose passkey it was, the passkey, and its new signature count
    (for `Passkey.record_use` once the login goes ahead)."""

    user: User
    passkey: Passkey
    sign_count: int


UNKNOWN_PASSKEY = N_("This passkey is not registered here (it may have been removed).")


def authenticate(body: object) -> PasskeyLogin:
    """The user and passkey that signed the login challenge, after checking the signature,
    the origin, the challenge and the signature count; PasskeyError otherwise."""
    if not isinstance(body, dict):
        raise PasskeyError(N_("Send the passkey as a JSON object."), "passkey_bad_request")
    kept = _take_challenge(LOGIN)
    try:
        credential = parse_authentication_credential_json(body.get("credential"))
    except (WebAuthnException, ValueError, TypeError, AttributeError) as error:
        raise PasskeyError(
            N_("The passkey's answer could not be read."), "passkey_bad_request"
        ) from error
    passkey = Passkey.by_credential_id(credential.raw_id)
    if passkey is None:
        raise PasskeyError(UNKNOWN_PASSKEY, "passkey_unknown")
    handle = credential.response.user_handle
    if handle is not None and PasskeyUserHandle.user_id_for(handle) != passkey.user_id:
        raise PasskeyError(UNKNOWN_PASSKEY, "passkey_unknown")
    rp_id, origin = relying_party()
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=kept["challenge"],
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=passkey.public_key,
            # Checked below instead, so that a counter going backwards is told apart.
            credential_current_sign_count=0,
        )
    except (WebAuthnException, ValueError, TypeError, AttributeError) as error:
        raise PasskeyError(
            N_("The passkey could not be verified. Please try again."), "passkey_login_failed"
        ) from error
    _refuse_replays_and_clones(passkey, verified.new_sign_count, kept["issued"])
    return PasskeyLogin(user=passkey.user, passkey=passkey, sign_count=verified.new_sign_count)


def _refuse_replays_and_clones(passkey: Passkey, sign_count: int, issued: float) -> None:
    """An authenticator counts its signatures: a count that does not go up means a copy of
    the passkey is in use somewhere (or an old answer is sent again). Authenticators that
    count nothing (always 0) are held to their challenge instead: one accepted login per
    challenge, whatever copy of the session cookie comes back with it."""
    if (sign_count or passkey.sign_count) and sign_count <= passkey.sign_count:
        raise PasskeyError(
            N_(
                "This passkey was refused: its authenticator may have been copied. Use "
                "another way to log in, and remove the passkey from your account."
            ),
            "passkey_sign_count_regressed",
            user_id=passkey.user_id,
        )
    if passkey.last_used_at is not None and passkey.last_used_at.timestamp() >= issued:
        raise no_challenge()
