"""A visitor's form page (log in), rendered once for everyone and kept for the front door.

The login page is the same for every visitor in a language but for its CSRF token, which is
each visitor's own (flaskblog.visitor_csrf). So it is rendered once per language with the
token's place marked (TOKEN_PLACEHOLDER), kept with the pages, and each request's token is put
in. The copy is also given to the front door (flaskblog.front_door), which answers the next
plain GET of the page before Flask runs, putting in a fresh token and, for a new visitor, a
new cookie itself.
"""

from flask import current_app, g, render_template, request, request_finished, session
from flask_login import current_user

from flaskblog import front_door
from flaskblog.caching import GENERATION_KEY, generation, keeps_pages
from flaskblog.extensions import cache
from flaskblog.i18n import current_language
from flaskblog.visitor_csrf import csrf_token, made_visitor_token, token_place_marked, token_put_in


def init_app(app) -> None:
    """Give the front door a form page once its response is final."""
    request_finished.connect(_keep_for_door, app)


def visitor_form_page(template: str, **context) -> str:
    """A form page for visitors (log in), rendered once for everyone in each language, with
    this request's CSRF token (the visitor's own: flaskblog.visitor_csrf) put into the copy.
    Rendered for itself when it could be anyone's own: a flashed message waiting, any URL
    argument (`next` ends up in the page), a submitted form, a logged-in reader, or no cache.
    The front door keeps the copy too, and puts each visitor's token in itself."""
    if (
        request.method != "GET"
        or request.args
        or current_user.is_authenticated
        or "_flashes" in session
        or not keeps_pages()
    ):
        return render_template(template, **context)
    token = csrf_token()
    key = f"form-page:{current_language()}:{request.path}"
    try:
        # One read for both: the copy holds the generation it was made in.
        current, kept = cache.get_many(GENERATION_KEY, key)
    except Exception:  # the cache is a help, never a cause of failure
        current_app.logger.warning("page cache unavailable", exc_info=True)
        return render_template(template, **context)
    if kept is None or current is None or kept[0] != current:
        made_in = current if current is not None else generation()
        page = render_template(template, **context)
        if token not in page or "_flashes" in session:
            return page
        kept = (made_in, token_place_marked(page))
        try:
            cache.set(key, kept)
        except Exception:
            current_app.logger.warning("page cache unavailable", exc_info=True)
    if made_visitor_token():
        g.form_page_for_door = kept  # no session: the door may answer the next visitor
    return token_put_in(kept[1])


def _keep_for_door(sender, response, **extra) -> None:
    form_page = g.pop("form_page_for_door", None)
    if form_page is not None:
        _keep_form_page(response, *form_page)


def _keep_form_page(response, made_in: str, page: str) -> None:
    """A visitor's form page, with its token's place marked, for the front door, which puts
    in each visitor's token (and cookie) itself; kept if it sets no other cookie."""
    visitor = current_app.config["VISITOR_COOKIE_NAME"] + "="
    if session.modified or any(
        not cookie.startswith(visitor) for cookie in response.headers.getlist("Set-Cookie")
    ):
        return
    try:
        # As long as the cache's copy: it shows no post, so no scheduled one can change it
        # (and asking the database when one is due would make the page depend on it).
        if front_door.keeps(request, response):
            timeout = current_app.config["CACHE_DEFAULT_TIMEOUT"]
            front_door.keep(request, response, made_in, timeout, page=page.encode())
    except Exception:
        current_app.logger.warning("page cache unavailable", exc_info=True)
