"""The site's header, rendered once for each set of things it shows.

Every page begins with the same header: the navigation, the search box and, for a logged-in
reader, their name, picture and unread counts with the account menu's two forms. Rendered
through Jinja on every page it cost a logged-in page about a third of its time (some twenty
strings looked up and twenty URLs built), although a reader sees the same header on page
after page.

So each process keeps the header it rendered, under a key made of everything the header
shows (the language, the reader's id, name, picture, admin flag and unread counts, and
whether the page is the notifications page). Nothing has to be forgotten when something
changes: a change to any of those is another key. The one part that is each request's own,
the CSRF token in the account menu's forms, is kept as a placeholder and put in for each
request, as form_pages.visitor_form_page does for the login page. On the search page the
search box holds the query, which is part of the key there.

Kept per process in memory, at most HEADERS_KEPT headers (the least recently used go first).
"""

from collections import OrderedDict
from threading import Lock

from flask import current_app, render_template, request
from flask_login import current_user
from markupsafe import Markup

from flaskblog.i18n import current_language
from flaskblog.models.unread import unread_counts
from flaskblog.urls import avatar_url
from flaskblog.visitor_csrf import token_place_marked, token_put_in

TEMPLATE = "_site_header.html"
HEADERS_KEPT = 2048  # a few KiB each: some MiB a process at most


class KeptHeaders:
    """A bounded map from what a header shows to the header, least recently used first."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.headers: OrderedDict[tuple, str] = OrderedDict()
        self.lock = Lock()  # gunicorn's threaded workers share a process

    def get(self, key: tuple) -> str | None:
        with self.lock:
            header = self.headers.get(key)
            if header is not None:
                self.headers.move_to_end(key)
            return header

    def put(self, key: tuple, header: str) -> None:
        with self.lock:
            self.headers[key] = header
            self.headers.move_to_end(key)
            while len(self.headers) > self.size:
                self.headers.popitem(last=False)


def init_app(app) -> None:
    app.extensions["site_header"] = KeptHeaders(HEADERS_KEPT)
    app.add_template_global(site_header)


def site_header() -> Markup:
    """The header of the page being rendered."""
    return Markup(_header())  # noqa: S704  # nosec B704  (rendered by a template, escaped there)


def _header() -> str:
    kept: KeptHeaders = current_app.extensions["site_header"]
    key = header_key()
    header = kept.get(key)
    if header is None:
        header = render_template(TEMPLATE)
        if current_user.is_authenticated:
            # Their menu's forms hold their CSRF token: the one this request rendered with.
            kept.put(key, token_place_marked(header))
        else:
            kept.put(key, header)  # no token: a visitor's page is cached whole
        return header
    return token_put_in(header)


def header_key() -> tuple:
    """Everything _site_header.html shows that is not the same on every page."""
    on_notifications = request.endpoint == "notifications.notifications"
    # The search box holds the query on the search page (a URL is at most a few KiB long).
    query = request.args.get("q", "") if request.endpoint == "search.search" else ""
    if not current_user.is_authenticated:
        return (current_language(), on_notifications, query)
    user = current_user._get_current_object()
    return (
        current_language(),
        on_notifications,
        query,
        user.id,
        user.username,
        user.is_admin,
        avatar_url(user),
        tuple(sorted(unread_counts(user).items())),
    )
