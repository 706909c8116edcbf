"""POST /api/v1/tokens for an account with two-factor login: the password and a code in the
X-OTP header, each code once; a 401 naming X-OTP otherwise."""

import pytest

from tests.helpers.api import basic, error_of
from tests.helpers.two_factor import code_for, turn_on_two_factor


@pytest.fixture
def alice_2fa(app, alice) -> tuple[str, list[str]]:
    return turn_on_two_factor(app, alice)


def ask(client, otp: str | None = None):
    headers = basic("alice@example.com")
    if otp is not None:
        headers["X-OTP"] = otp
    return client.post("/api/v1/tokens", headers=headers)


def test_without_x_otp_the_answer_is_a_401_naming_the_header(client, alice_2fa):
    response = ask(client)

    assert response.status_code == 401
    error = error_of(response)
    assert "X-OTP" in error["message"]
    assert error["details"] == {"reason": "otp_required", "header": "X-OTP"}


def test_a_wrong_code_is_a_401_naming_the_header(client, alice_2fa):
    secret, _ = alice_2fa
    wrong = next(
        c for c in ("000000", "111111") if c not in {code_for(secret, s) for s in (-1, 0, 1)}
    )

    response = ask(client, wrong)

    assert response.status_code == 401
    assert error_of(response)["details"]["reason"] == "otp_invalid"


def test_a_current_code_gets_a_token_once(client, alice_2fa):
    secret, _ = alice_2fa
    code = code_for(secret)

    first, replay = ask(client, code), ask(client, code)

    assert first.status_code == 201 and first.get_json()["token"]
    assert replay.status_code == 401
    assert error_of(replay)["details"]["reason"] == "otp_invalid"


def test_a_recovery_code_gets_a_token_once(client, alice_2fa):
    _, codes = alice_2fa

    assert ask(client, codes[0]).status_code == 201
    assert ask(client, codes[0]).status_code == 401


def test_an_account_without_two_factor_needs_no_header(client, alice):
    assert ask(client).status_code == 201


def test_the_openapi_document_describes_the_header(client):
    operation = client.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/tokens"]["post"]

    [parameter] = [p for p in operation["parameters"] if p["name"] == "X-OTP"]
    assert parameter["in"] == "header"
    assert "two-factor" in parameter["description"]


@pytest.mark.parametrize("two_factor", [True, False], ids=["with 2FA", "without"])
def test_an_x_otp_longer_than_any_code_is_a_400_whatever_the_account(
    app, client, alice, two_factor
):
    if two_factor:
        turn_on_two_factor(app, alice)

    response = ask(client, "0" * 41)

    assert response.status_code == 400
    assert "X-OTP" in error_of(response)["message"]
    assert "token" not in response.get_json()
