"""The interface in the reader's language: how it is chosen, cached, and kept complete."""

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import render_template_string
from flask_babel import force_locale

from tests.helpers.factories import set_profile
from tests.helpers.pages import csrf_token_from, page_text
from tests.helpers.translations import unmarked, unmarked_in_scripts

TRANSLATIONS = Path(__file__).resolve().parents[1] / "flaskblog" / "translations"
LANGUAGES = ("de", "es")


def catalogue(language: str):
    with (TRANSLATIONS / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=language)


# --- Choosing the language ------------------------------------------------------------------


def test_a_visitor_gets_the_language_their_browser_asks_for(client):
    response = client.get("/", headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"})

    assert '<html lang="de"' in response.text
    assert ">Beiträge</a>" in response.text
    assert "Accept-Language" in response.headers["Vary"]


def test_a_language_not_offered_falls_back_to_english(client):
    response = client.get("/", headers={"Accept-Language": "fr-CH, fr;q=0.9"})

    assert '<html lang="en"' in response.text
    assert ">Home</a>" in response.text


def test_an_accounts_language_outranks_the_browsers(app, client, make_user, auth):
    set_profile(app, make_user("alice"), language="es")
    auth.login()

    response = client.get("/", headers={"Accept-Language": "de"})

    assert '<html lang="es"' in response.text
    assert ">Inicio</a>" in response.text


def test_a_flash_from_before_login_speaks_the_visitors_language(client):
    client.get("/account", headers={"Accept-Language": "es"})

    page = client.get("/login", headers={"Accept-Language": "es"})

    assert "Inicia sesión para ver esa página." in page_text(page)


def test_wtforms_own_messages_speak_each_readers_language(client):
    """WTForms' catalogue is kept per language: one reader's must never answer another's."""
    for language, message in (
        ("de", "Dieses Feld wird benötigt."),
        ("es", "Este campo es obligatorio."),
        ("en", "This field is required."),
        ("de", "Dieses Feld wird benötigt."),
    ):
        headers = {"Accept-Language": language}
        token = csrf_token_from(client.get("/login", headers=headers))
        page = client.post(
            "/login", data={"csrf_token": token, "email": "", "password": "x"}, headers=headers
        )

        assert page.status_code == 200
        assert message in page_text(page)


def test_a_template_speaks_the_language_forced_inside_a_request(app):
    """Emails to a reader in another language are rendered during a request (force_locale):
    the templates' catalogue, found once per language, must follow it both ways."""
    template = (
        "{{ _('Read more') }} · {% trans count=2 %}{{ count }} comment"
        "{% pluralize %}{{ count }} comments{% endtrans %}"
    )

    with app.test_request_context(headers={"Accept-Language": "de"}):
        before = render_template_string(template)
        with force_locale("es"):
            forced = render_template_string(template)
        after = render_template_string(template)

    assert before == after == "Weiterlesen · 2 Kommentare"
    assert forced == "Seguir leyendo · 2 comentarios"


def test_the_page_cache_keeps_one_copy_per_language(build_app):
    app = build_app(CACHE_TYPE="SimpleCache")
    client = app.test_client()

    german = client.get("/", headers={"Accept-Language": "de"})
    english = client.get("/", headers={"Accept-Language": "en-GB"})
    german_again = client.get("/", headers={"Accept-Language": "de-AT"})

    assert ">Beiträge</a>" in german.text and ">Home</a>" in english.text
    assert german_again.text == german.text
    assert "Accept-Language" in german_again.headers["Vary"]


# --- Keeping the catalogues complete --------------------------------------------------------


def test_every_string_a_reader_sees_is_marked_for_translation():
    assert unmarked() + unmarked_in_scripts() == []


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """The strings marked in the code now, extracted as `make translations` does."""
    pot = tmp_path_factory.mktemp("translations") / "messages.pot"
    subprocess.run(  # noqa: S603  (the venv's own pybabel, fixed arguments)
        [
            Path(sys.executable).with_name("pybabel"),
            "extract",
            "-F",
            TRANSLATIONS / "babel.cfg",
            "-k",
            "_l",
            "-k",
            "lazy_ngettext:1,2",
            "-o",
            pot,
            ".",
        ],
        cwd=TRANSLATIONS.parents[1],
        check=True,
        capture_output=True,
    )
    with pot.open("rb") as template:
        return read_po(template)


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_marked_string_is_translated(extracted, language):
    translated = catalogue(language)

    missing = [
        message.id
        for message in extracted
        if message.id
        and (
            message.id not in translated
            or "fuzzy" in translated[message.id].flags
            or not all(_strings(translated[message.id]))
        )
    ]

    assert missing == [], f"run `make translations` and translate these into {language}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_keep_every_placeholder(language):
    broken = []
    for message in catalogue(language):
        if not message.id or not all(_strings(message)):
            continue
        originals = message.id if isinstance(message.id, tuple) else (message.id,)
        expected = set().union(*(_placeholders(text) for text in originals))
        for text in _strings(message):
            if _placeholders(text) - expected or (
                not isinstance(message.id, tuple) and _placeholders(text) != expected
            ):
                broken.append((message.id, text))

    assert broken == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_is_the_one_its_translations_make(language):
    compiled = io.BytesIO()
    write_mo(compiled, catalogue(language))

    shipped = (TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo").read_bytes()

    assert shipped == compiled.getvalue(), "run `make translations` to compile it again"


def _strings(message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def _placeholders(text: str) -> set[str]:
    return set(re.findall(r"%\((\w+)\)[sd]", text))
