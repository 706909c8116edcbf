"""The interface in the reader's language (Flask-Babel).

The language is the account's (`User.language`) for a logged-in reader; for anyone else it
is the best of Accept-Language among the languages offered, else English. A page made from
Accept-Language says so with `Vary: Accept-Language`, and the anonymous page cache keys
each page by its language (flaskblog.caching), so a German visitor never gets the copy made
for an English one.

Strings are marked with `_()` in Python and templates, and `_l()` (lazy) where they are
made before any request (form labels, module constants). The catalogues live in
flaskblog/translations; `make translations` extracts and updates them, and
tests/test_translations.py fails on an unmarked string or a missing translation. The JSON
API and the command line speak English: their words are part of the contract, not the page.
"""

from contextlib import contextmanager

from babel import Locale
from flask import current_app, g, has_request_context, request
from flask_babel import force_locale, get_locale, get_translations
from flask_login import current_user

from flaskblog.extensions import babel
from flaskblog.json_errors import API_PREFIX
from flaskblog.models.profile import Profile

LANGUAGES = Profile.LANGUAGES
DEFAULT_LANGUAGE = Profile.DEFAULT_LANGUAGE
# Parsed once: Flask-Babel takes a Locale as it is, where it would parse a code each request.
_LOCALES = {code: Locale.parse(code) for code in LANGUAGES}


def init_app(app) -> None:
    babel.init_app(app, locale_selector=select_language, default_locale=DEFAULT_LANGUAGE)
    # `{% trans %}` blocks are extracted with their whitespace folded (translations/babel.cfg):
    # looked up the same way, or a wrapped sentence would never be found.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    # In place of Flask-Babel's own, which look the request's catalogue up anew for every
    # string: a logged-in page has some fifty, and that was a sixth of its time.
    app.extensions["catalogues"] = {}
    app.jinja_env.install_gettext_callables(
        gettext=lambda string: _catalogue().ugettext(string),
        ngettext=lambda singular, plural, n: _catalogue().ungettext(singular, plural, n),
        pgettext=lambda context, string: _catalogue().upgettext(context, string),
        npgettext=lambda context, singular, plural, n: _catalogue().unpgettext(
            context, singular, plural, n
        ),
        newstyle=True,
    )
    app.add_template_global(current_language)
    app.after_request(_vary_on_language)


def _catalogue():
    """Flask-Babel's translations for the language in force (force_locale included), found
    once for each language rather than for each string: they never change while the app runs."""
    locale = get_locale()
    catalogues = current_app.extensions["catalogues"]
    catalogue = catalogues.get(locale)
    if catalogue is None:
        catalogue = catalogues[locale] = get_translations()
    return catalogue


def select_language() -> Locale:
    """The account's language, else the best the browser accepts, else English; always
    English for the JSON API, whose words are part of its contract (and shared with pages:
    a refusal the editor shows in German, the API gives in English). Its one page for
    people, /api/docs, speaks the reader's language like every other page."""
    if not has_request_context() or (
        request.path.startswith(API_PREFIX) and request.endpoint != "api_docs"
    ):
        return _LOCALES[DEFAULT_LANGUAGE]
    if current_user.is_authenticated and current_user.language in LANGUAGES:
        return _LOCALES[current_user.language]
    g.language_from_header = True
    return _LOCALES[request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE)]


def current_language() -> str:
    """The language this page speaks, for `<html lang>`, dates and the page cache's key."""
    locale = get_locale()
    # The language's code, not str(locale): that builds the identifier again on every call,
    # and a page asks once for each date on it.
    return locale.language if locale is not None else DEFAULT_LANGUAGE


def language_of(user) -> str:
    """The language to write to `user` in when they are not the one reading (an email)."""
    language = getattr(user, "language", None)
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


@contextmanager
def speaking_to(user):
    """Within it, every string and date is in `user`'s language: for emails and
    notifications made for someone other than whoever made the request."""
    with force_locale(language_of(user)):
        yield


def _vary_on_language(response):
    if g.get("language_from_header"):
        response.vary.add("Accept-Language")
    return response
