"""The header is rendered once for each set of things it shows (flaskblog.site_header): every
reader still sees their own name, counts and working CSRF tokens, and a change shows at once."""

import re

from flaskblog.site_header import KeptHeaders
from tests.helpers.factories import PASSWORD, send_messages, set_profile
from tests.helpers.pages import csrf_token_from, page_text

HEADER = re.compile(r'<header class="site-header">.*?</header>', re.S)
LOGOUT_TOKEN = re.compile(r'<form[^>]*action="/logout">\s*<input[^>]*value="([^"]+)"')


def header_of(response) -> str:
    return HEADER.search(page_text(response)).group(0)


def test_a_reader_sees_the_kept_header_with_a_token_that_logs_them_out(
    client, logged_in_alice, renders
):
    client.get("/about")
    rendered = renders.count("_site_header.html")
    page = client.get("/about")

    assert renders.count("_site_header.html") == rendered  # the kept one
    assert "alice" in header_of(page)
    assert "\x00" not in page.text
    token = LOGOUT_TOKEN.search(page.text).group(1)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert "Log in" in header_of(client.get("/about"))


def test_two_readers_each_see_their_own_name_and_token(app, make_user, logged_in_alice):
    make_user("bob")
    alice, bob = app.test_client(), app.test_client()
    for client, email in ((alice, "alice@example.com"), (bob, "bob@example.com")):
        token = csrf_token_from(client.get("/login"))
        data = {"email": email, "password": PASSWORD, "csrf_token": token}
        client.post("/login", data=data)

    alices, bobs = alice.get("/about"), bob.get("/about")

    assert "alice" in header_of(alices) and "bob" not in header_of(alices)
    assert "bob" in header_of(bobs) and "alice" not in header_of(bobs)
    alices_token = LOGOUT_TOKEN.search(alices.text).group(1)
    assert LOGOUT_TOKEN.search(bobs.text).group(1) != alices_token
    # Alice's token is hers alone: Bob's session refuses it.
    assert bob.post("/logout", data={"csrf_token": alices_token}).status_code == 400
    assert "bob" in header_of(bob.get("/about"))


def test_a_new_unread_message_shows_at_once(app, client, logged_in_alice, make_user):
    bob = make_user("bob")
    before = header_of(client.get("/about"))

    send_messages(app, bob, logged_in_alice, count=2)
    after = header_of(client.get("/about"))

    assert "nav__count" not in before
    assert re.search(r'Messages <span class="nav__count">2<', after)


def test_a_new_name_and_a_new_language_show_at_once(app, client, logged_in_alice):
    client.get("/about")

    set_profile(app, logged_in_alice, username="alicia")
    renamed = header_of(client.get("/about"))
    set_profile(app, logged_in_alice, language="de")
    german = header_of(client.get("/about"))

    assert "alicia" in renamed and ">alice<" not in renamed
    assert "Abmelden" in german and "Log out" not in german


def test_only_the_notifications_page_marks_its_link_current(client, logged_in_alice):
    about = header_of(client.get("/about"))
    notifications = header_of(client.get("/notifications"))

    assert 'aria-current="page"' not in about
    assert re.search(r'href="/notifications" aria-current="page"', notifications)


def test_visitors_share_one_header_and_a_search_box_keeps_its_own_query(app, client, renders):
    client.get("/about")
    rendered = renders.count("_site_header.html")
    visitor = app.test_client().get("/about")
    searched = client.get("/search?q=kept+words")
    searched_again = app.test_client().get("/search?q=kept+words")

    assert (
        renders.count("_site_header.html") == rendered + 1
    )  # the search page's, kept for the next search
    assert header_of(searched_again) == header_of(searched)
    assert 'value="other"' in header_of(client.get("/search?q=other"))
    assert "Log in" in header_of(visitor)
    assert "Set-Cookie" not in visitor.headers  # no token, no session: still cacheable
    assert 'value="kept words"' in header_of(searched)
    assert 'value=""' in header_of(client.get("/about"))


def test_the_least_recently_used_header_goes_first():
    kept = KeptHeaders(2)
    kept.put(("a",), "A")
    kept.put(("b",), "B")
    assert kept.get(("a",)) == "A"  # now the most recently used

    kept.put(("c",), "C")

    assert kept.get(("b",)) is None
    assert (kept.get(("a",)), kept.get(("c",))) == ("A", "C")
