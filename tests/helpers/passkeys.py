"""A software passkey authenticator, and the two ceremonies as passkeys.js runs them, so that
route tests send what a browser sends and py_webauthn's checks run for real."""

import hashlib
import json
import secrets
import struct

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url

from tests.helpers.factories import PASSWORD
from tests.helpers.pages import csrf_token_from

# The testing app's SERVER_NAME, as the test client's requests come from it.
ORIGIN = "http://flaskblog.test"

USER_PRESENT, USER_VERIFIED, ATTESTED = 0x01, 0x04, 0x40


class Authenticator:
    """One passkey on one device: an ES256 key pair, as a phone or laptop would make.

    `counts=False` is an authenticator that keeps no signature count (it always says 0),
    as many synced passkeys do.
    """

    def __init__(self, *, counts: bool = True) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = secrets.token_bytes(32)
        self.counts = counts
        self.sign_count = 0
        self.user_handle: bytes | None = None

    def _public_key(self) -> bytes:
        numbers = self.key.public_key().public_numbers()
        x, y = numbers.x.to_bytes(32, "big"), numbers.y.to_bytes(32, "big")
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: x, -3: y})  # COSE: EC2, ES256, P-256

    def _authenticator_data(self, rp_id: str, flags: int) -> bytes:
        data = hashlib.sha256(rp_id.encode()).digest() + bytes([flags])
        data += struct.pack(">I", self.sign_count)
        if flags & ATTESTED:
            data += bytes(16) + struct.pack(">H", len(self.credential_id)) + self.credential_id
            data += self._public_key()
        return data

    @staticmethod
    def _client_data(kind: str, challenge: str, origin: str) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": origin}).encode()

    def create(self, options: dict, *, origin: str = ORIGIN, challenge: str | None = None) -> dict:
        """What navigator.credentials.create() gives for `options`, as passkeys.js sends it."""
        self.user_handle = base64url_to_bytes(options["user"]["id"])
        client_data = self._client_data(
            "webauthn.create", challenge or options["challenge"], origin
        )
        flags = USER_PRESENT | USER_VERIFIED | ATTESTED
        auth_data = self._authenticator_data(options["rp"]["id"], flags)
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return {
            "id": bytes_to_base64url(self.credential_id),
            "rawId": bytes_to_base64url(self.credential_id),
            "type": "public-key",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": bytes_to_base64url(client_data),
                "attestationObject": bytes_to_base64url(attestation),
                "transports": ["internal", "not-a-transport"],
            },
        }

    def get(
        self,
        options: dict,
        *,
        origin: str = ORIGIN,
        challenge: str | None = None,
        rp_id: str | None = None,
    ) -> dict:
        """What navigator.credentials.get() gives for `options`: a signed login."""
        if self.counts:
            self.sign_count += 1
        client_data = self._client_data("webauthn.get", challenge or options["challenge"], origin)
        auth_data = self._authenticator_data(rp_id or options["rpId"], USER_PRESENT | USER_VERIFIED)
        signed = auth_data + hashlib.sha256(client_data).digest()
        signature = self.key.sign(signed, ec.ECDSA(hashes.SHA256()))
        return {
            "id": bytes_to_base64url(self.credential_id),
            "rawId": bytes_to_base64url(self.credential_id),
            "type": "public-key",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": bytes_to_base64url(client_data),
                "authenticatorData": bytes_to_base64url(auth_data),
                "signature": bytes_to_base64url(signature),
                "userHandle": bytes_to_base64url(self.user_handle or b""),
            },
        }


class PasskeyActions:
    """The requests passkeys.js makes, for a test client (with the page's CSRF token)."""

    def __init__(self, client) -> None:
        self.client = client

    def post(self, url: str, page: str, body=None):
        """POST `body` as JSON (bytes are sent as they are, as broken JSON can be)."""
        token = csrf_token_from(self.client.get(page))
        data = body if isinstance(body, bytes) else json.dumps(body)
        return self.client.post(
            url, data=data, content_type="application/json", headers={"X-CSRFToken": token}
        )

    def registration_options(self, password: str = PASSWORD) -> dict:
        response = self.post(
            "/account/passkeys/options", "/account/passkeys", {"password": password}
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    def register(self, authenticator: Authenticator, name: str = "My phone", **answer):
        """Add `authenticator`'s passkey to the logged-in account; returns the last response."""
        credential = authenticator.create(self.registration_options(), **answer)
        return self.send_registration({"name": name, "credential": credential})

    def send_registration(self, body):
        return self.post("/account/passkeys", "/account/passkeys", body)

    def login_options(self) -> dict:
        response = self.post("/login/passkey/options", "/login")
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()

    def login(self, authenticator: Authenticator, next: str | None = None, **answer):
        """Log in with `authenticator`'s passkey; returns the response to the answer."""
        credential = authenticator.get(self.login_options(), **answer)
        return self.send_login({"credential": credential}, next=next)

    def send_login(self, body, next: str | None = None):
        url = "/login/passkey" if next is None else f"/login/passkey?next={next}"
        return self.post(url, "/login", body)
