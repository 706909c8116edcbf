"""Sentences kept to be said later (flaskblog.words): stored as msgid and values, said in
English for the command line and the logs, and in the reader's language on a page."""

from flask_babel import force_locale

from flaskblog.words import N_, in_english, in_reader_language, said

TOO_LONG = said(
    N_("%(length)s characters long; a post may have at most %(limit)s"),
    length=51234,
    limit=50000,
)


def test_a_sentence_is_json_ready_msgid_and_values():
    assert TOO_LONG == {
        "text": "%(length)s characters long; a post may have at most %(limit)s",
        "values": {"length": 51234, "limit": 50000},
    }


def test_in_english_its_numbers_are_grouped_as_english_writes_them():
    assert in_english(TOO_LONG) == "51,234 characters long; a post may have at most 50,000"


def test_on_a_page_it_is_translated_with_the_languages_own_numbers(app):
    with app.test_request_context(), force_locale("de"):
        german = in_reader_language(TOO_LONG)

    assert german == "51.234 Zeichen lang; ein Beitrag darf höchstens 50.000 haben"


def test_a_sentence_stored_as_plain_words_is_said_as_it_was(app):
    with app.test_request_context(), force_locale("es"):
        assert in_reader_language("already imported") == "already imported"
    assert in_english("already imported") == "already imported"
