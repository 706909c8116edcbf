"""Reading pages as a user does, and submitting forms the way a browser does."""

import html
import re
from contextlib import contextmanager
from html.parser import HTMLParser

from flask import template_rendered

from flaskblog.extensions import mail
from tests.helpers.factories import PASSWORD

CONFIRM_PATH = re.compile(r"/confirm/[\w.-]+")
CSRF_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SIGNED_NOW_VALUE = re.compile(r'(name="(?:csrf_token|form_started)"[^>]*value=")[^"]+')
LISTED_TITLE = re.compile(r'<h2 class="post__title"><a href="/post/\d+/[a-z0-9-]+">(.*?)</a></h2>')


@contextmanager
def templates_rendered(app):
    """The names of the templates `app` renders inside the block, in order."""
    names = []

    def note(sender, template, context, **extra):
        names.append(template.name)

    template_rendered.connect(note, app)
    try:
        yield names
    finally:
        template_rendered.disconnect(note, app)


def page_text(response) -> str:
    """The page as a user reads it (HTML entities decoded)."""
    return html.unescape(response.get_data(as_text=True))


def page_without_tokens(response) -> str:
    """The page as a user reads it, with its signed tokens blanked.

    A CSRF token, and the note of when a comment or sign-up form was served, carry the second
    they were signed in, so two renderings of one page a second apart differ there and nowhere
    else.
    """
    return SIGNED_NOW_VALUE.sub(r"\1", page_text(response))


def flashes(response) -> list[tuple[str, str]]:
    """The flash messages on a page, as (category, message)."""
    return re.findall(r'<p class="flash flash--(\w+)"[^>]*>(.*?)</p>', page_text(response))


def field_errors(response, field: str) -> list[str]:
    """The errors shown under one form field (tied to it by id, as screen readers read them)."""
    block = re.search(
        rf'<ul class="field__errors" id="{field}-error">(.*?)</ul>', page_text(response), re.S
    )
    return re.findall(r"<li>(.*?)</li>", block.group(1)) if block else []


def csrf_token_in(text: str) -> str | None:
    """The CSRF token of the first form in a page's HTML, if there is a form."""
    match = CSRF_TOKEN.search(text)
    return match.group(1) if match else None


def csrf_token_from(response) -> str:
    """The CSRF token of the first form on a page."""
    token = csrf_token_in(response.get_data(as_text=True))
    assert token, f"no CSRF token on {response.request.path}"
    return token


def without_csrf_tokens(text: str) -> str:
    """A page's HTML without its CSRF tokens (which differ each time it is served)."""
    return CSRF_TOKEN.sub("", text)


MARK = re.compile(r"</?mark>")


def titles_on(response) -> list[str]:
    """The post titles of a listing page, top to bottom, as read (a search's <mark>s dropped)."""
    return [MARK.sub("", title) for title in LISTED_TITLE.findall(response.get_data(as_text=True))]


class Forms:
    """Submits forms the way a browser does: fetch the page, then post with its CSRF token."""

    def __init__(self, client):
        self.client = client

    def submit(self, url: str, data: dict | None = None, *, page: str | None = None, **kwargs):
        token = csrf_token_from(self.client.get(page or url))
        return self.client.post(url, data={**(data or {}), "csrf_token": token}, **kwargs)


class AuthActions:
    """Register, log in and log out through the real pages."""

    def __init__(self, client, forms: Forms):
        self.client, self.forms = client, forms

    def register(self, username="alice", email="alice@example.com", password=PASSWORD):
        return self.forms.submit(
            "/register",
            {
                "username": username,
                "email": email,
                "password": password,
                "confirm_password": password,
            },
        )

    def sign_up(self, username="alice", email="alice@example.com", password=PASSWORD):
        """Register, then follow the confirmation link emailed (if one was), as someone does
        before they can log in; returns the registration's response."""
        with mail.record_messages() as outbox:
            response = self.register(username, email, password)
        for message in outbox:
            link = CONFIRM_PATH.search(message.body)
            if link:
                self.client.get(link.group(0))
        return response

    def login(self, email="alice@example.com", password=PASSWORD, next=None, remember=False):
        url = "/login" if next is None else f"/login?next={next}"
        data = {"email": email, "password": password}
        if remember:
            data["remember"] = "y"
        return self.forms.submit(url, data)

    def logout(self):
        return self.forms.submit("/logout", page="/account")


def head_tags(response) -> list[dict[str, str]]:
    """The <meta> and <link> tags of a page, as a browser would read their attributes."""
    found = []

    class Head(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag in ("meta", "link"):
                found.append({"tag": tag, **{name: value or "" for name, value in attrs}})

    Head().feed(response.get_data(as_text=True))
    return found


def head_value(response, attribute: str, name: str, value: str = "content") -> str:
    """The one `value` of the head tag whose `attribute` is `name` (e.g. property og:title)."""
    [tag] = [tag for tag in head_tags(response) if tag.get(attribute) == name]
    return tag[value]
