"""Passkeys in the reader's language: the page, the words passkeys.js shows (written by the
template), and a refusal sent to the script, while the security log keeps English."""

import json
import logging

from tests.helpers.factories import set_profile
from tests.helpers.pages import page_text
from tests.helpers.passkeys import PasskeyActions


def test_the_passkeys_page_and_its_scripts_words_are_german(app, client, logged_in_alice):
    set_profile(app, logged_in_alice, language="de")

    text = page_text(client.get("/account/passkeys"))

    assert "<h1>Passkeys</h1>" in text and "Du hast noch keine Passkeys." in text
    assert 'data-message-name-first="Gib dem Passkey zuerst einen Namen."' in text
    assert 'data-message-cancelled="Es wurde kein Passkey benutzt' in text


def test_a_refused_passkey_is_explained_in_spanish_and_logged_in_english(
    app, client, logged_in_alice, caplog
):
    set_profile(app, logged_in_alice, language="es")
    caplog.set_level(logging.INFO, logger="flaskblog.security")

    response = PasskeyActions(client).post(
        "/account/passkeys/options", "/account/passkeys", {"password": "not it"}
    )

    assert response.status_code == 400
    assert response.get_json()["error"]["message"] == "Esa no es tu contraseña actual."
    (event,) = [
        json.loads(record.getMessage())
        for record in caplog.records
        if record.name == "flaskblog.security"
        and json.loads(record.getMessage())["event"] == "passkey_password_wrong"
    ]
    assert event["reason"] == "That is not your current password."
