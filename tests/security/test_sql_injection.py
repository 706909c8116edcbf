"""SQL injection: classic injection strings, time delays and full-text search operators in
every form field and query parameter. Every one is data, never SQL: no error page, no
delay, no login, the tables and their rows as they were, and what is stored is exactly
what was typed."""

import itertools
import time
from urllib.parse import quote

import pytest

from flaskblog import urls
from flaskblog.extensions import db, mail
from flaskblog.models import Comment, Post, User
from tests.helpers.attack_surface import database_snapshot
from tests.helpers.factories import PASSWORD
from tests.helpers.pages import flashes, page_text, titles_on

PAYLOADS = [
    "'",
    '"',
    "\\",
    "' OR '1'='1",
    "' OR 1=1 --",
    "' OR 1=1 #",
    '" OR ""="',
    "admin'--",
    "alice@example.com'--",
    "alice@example.com' OR '1'='1",
    "') OR ('1'='1",
    "1 OR 1=1",
    "'; DROP TABLE users; --",
    "1; DROP TABLE posts",
    "'; DELETE FROM users; COMMIT; --",
    "' UNION SELECT username, password_hash FROM users --",
    "1' UNION SELECT NULL,NULL,NULL--",
    "' UNION SELECT sql FROM sqlite_master --",
    "' UNION SELECT current_user, version() --",
    "' AND extractvalue(1, concat(0x7e, version())) --",
    "1' AND SLEEP(3)--",
    "'; SELECT pg_sleep(3); --",
    "1) OR pg_sleep(3)--",
    "' || (SELECT pg_sleep(3)) || '",
    "1' AND 1=LIKE('ABCDEFG',UPPER(HEX(RANDOMBLOB(300000000/2))))--",
    "'; WAITFOR DELAY '0:0:3'--",
    "%' AND 1=0 --",
    "%27 OR 1=1 --",
    "\u02bc OR 1=1 --",
    "\uff07 OR 1=1 --",
    "$$; DROP TABLE users; $$",
]
# Search syntax of SQLite's FTS5 and PostgreSQL's tsquery. Each holds a word that no post
# has ("zzz"), so read as plain words (all must match) they find nothing; read as
# operators (OR, NOT, prefix, column filters) they would find the post about alpha.
SEARCH_OPERATORS = [
    "alpha OR zzz",
    "zzz OR alpha",
    "alpha NOT zzz",
    "alpha AND NOT zzz",
    "alpha | zzz",
    "alpha:* | zzz:*",
    "!zzz",
    "-zzz",
    "NOT zzz",
    '"alpha" OR "zzz"',
    "title:zzz OR alpha",
    "{title content}: zzz OR alpha",
    "NEAR(alpha zzz, 5) OR alpha",
    "alpha) OR (zzz",
    "* OR alpha zzz",
    "^alpha zzz",
    "alpha <-> zzz | alpha",
]
SLOW = 2.0  # seconds: every delay above asks for at least 3


@pytest.fixture
def alice_with_alpha_and_beta(alice, make_posts):
    """alice, with a published post about alpha and another about beta."""
    make_posts(alice, 1, title="Alpha story", content="All about alpha here.")
    make_posts(alice, 1, title="Beta story", content="Only beta in this one.")
    return alice


@pytest.fixture
def timed(app):
    """`timed(send, *args)`: the response of `send(*args)`, checked to be quick and not an
    error page."""

    def run(send, *args, **kwargs):
        started = time.monotonic()
        response = send(*args, **kwargs)
        assert time.monotonic() - started < SLOW
        assert response.status_code < 500
        return response

    return run


def logged_in(client) -> bool:
    return client.get("/account").status_code == 200


def test_login_fields_take_injection_as_data(app, client, forms, alice_with_alpha_and_beta, timed):
    before = database_snapshot(app)

    for payload in PAYLOADS:
        for email, password in [
            (payload, payload),
            (payload, PASSWORD),
            ("alice@example.com", payload),
            (f"alice@example.com{payload}", PASSWORD),
        ]:
            data = {"email": email, "password": password}
            response = timed(forms.submit, "/login", data)

            assert response.status_code == 200, data
            assert (
                "danger",
                "Login unsuccessful. Please check your email and password. If you have just "
                "signed up, open the link we emailed you first.",
            ) in flashes(response), data
            assert not logged_in(client), data
    assert database_snapshot(app) == before


def test_registration_stores_injection_as_data_or_refuses_it(
    app, forms, alice_with_alpha_and_beta, timed
):
    fields = {
        "username": "mallory",
        "email": "mallory@example.com",
        "password": "a perfectly fine passphrase",
    }
    for payload, field in itertools.product(PAYLOADS, fields):
        data = {**fields, field: payload}
        data["confirm_password"] = data["password"]

        with mail.record_messages():
            timed(forms.submit, "/register", data)

        with app.app_context():
            users = db.session.scalars(db.select(User).order_by(User.id)).all()
            assert [user.username for user in users][:1] == ["alice"], data
            for user in users[1:]:  # stored exactly as typed, or refused by the form
                assert (user.username, user.email) == (data["username"], data["email"])
                assert user.check_password(data["password"]), data
                db.session.delete(user)
            db.session.commit()


def test_posts_and_comments_store_injection_exactly_as_typed(
    app, forms, auth, alice_with_alpha_and_beta, timed
):
    auth.login()

    for payload in PAYLOADS:
        written = {"title": payload, "content": payload, "tags": "sql"}
        created = timed(forms.submit, "/post/new", written)
        tagged = {"title": "Tags", "content": "x", "tags": payload}
        refused_tags = timed(forms.submit, "/post/new", tagged)

        assert created.status_code == 302, payload
        assert refused_tags.status_code == 200, payload
        with app.app_context():
            post = db.session.scalar(db.select(Post).where(Post.title == payload))
            assert post.content == payload
            post_id, post_url = post.id, urls.post_url(post)

        timed(forms.submit, f"/post/{post_id}/comment", {"body": payload}, page=post_url)
        edit = {"title": f"{payload} (edited)", "content": payload}
        edited = timed(forms.submit, f"/post/{post_id}/update", edit)

        assert edited.status_code == 302, payload
        with app.app_context():
            assert db.session.get(Post, post_id).title == f"{payload} (edited)"
            assert db.session.scalars(
                db.select(Comment.body).where(Comment.post_id == post_id)
            ).all() == [payload]

    with app.app_context():
        assert db.session.scalar(db.select(Post).where(Post.title == "Tags")) is None
        assert db.session.scalar(db.select(db.func.count()).select_from(Post)) == 2 + len(PAYLOADS)
        assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 1


def test_account_and_reset_fields_take_injection_as_data(
    app, client, forms, auth, alice_with_alpha_and_beta, timed
):
    for payload in PAYLOADS:
        with mail.record_messages() as outbox:
            reset = timed(forms.submit, "/reset_password", {"email": payload})
        assert outbox == [], payload
        assert reset.status_code in (200, 302), payload

    auth.login()
    before = database_snapshot(app)
    for payload in PAYLOADS:
        for path, data, answers in [
            ("/account", {"username": payload, "email": "alice@example.com"}, (200,)),
            (
                "/account",
                {"username": "alice", "email": payload, "current_password": PASSWORD},
                (200,),
            ),
            (
                "/account",
                {"username": "alice", "email": "alice@example.com", "current_password": payload},
                (302,),  # nothing to change: the current password is not even asked for
            ),
            ("/account/password", {"current_password": payload, "password": "x" * 12}, (200,)),
            ("/account/delete", {"password": payload}, (200,)),
        ]:
            response = timed(forms.submit, path, data)
            assert response.status_code in answers, (path, data)
    assert database_snapshot(app) == before
    assert logged_in(client)


def test_urls_and_query_parameters_take_injection_as_data(
    app, client, alice_with_alpha_and_beta, timed
):
    before = database_snapshot(app)

    for payload in PAYLOADS:
        segment = quote(payload, safe="")
        query = quote(payload)
        # A "/" (even as %2F) splits the path in two: no route matches that.
        in_path = {"moved": 301, "refused": 302} if "/" not in payload else {}
        for url, expected in [
            (f"/?page={query}", 404),
            (f"/home?page={query}", 404),
            (f"/search?q=alpha&page={query}", 404),
            (f"/user/alice?page={query}", 404),
            (f"/tag/{segment}", 404),
            (f"/user/{segment}", 404),
            (f"/user/{segment}/feed.xml", 404),
            (f"/tag/{segment}/feed.xml", 404),
            (f"/post/{segment}", 404),
            (f"/post/1/{segment}", in_path.get("moved", 404)),
            (f"/avatar/1/{segment}.webp", 404),
            (f"/reset_password/{segment}", in_path.get("refused", 404)),
            (f"/confirm/{segment}", in_path.get("refused", 404)),
        ]:
            response = timed(client.get, url)
            assert response.status_code == expected, url

        results = timed(client.get, f"/search?q={query}")
        assert results.status_code == 200, payload
        assert titles_on(results) == [], payload
    assert database_snapshot(app) == before


def test_search_operators_are_read_as_plain_words(client, alice_with_alpha_and_beta, timed):
    for query in SEARCH_OPERATORS:
        response = timed(client.get, "/search", query_string={"q": query})

        assert response.status_code == 200, query
        assert titles_on(response) == [], query
        assert "Nothing found for" in page_text(response), query


def test_the_search_finds_the_post_about_alpha(client, alice_with_alpha_and_beta):
    # The control for the test above: without the unknown word, alpha is found.
    for query in ("alpha", "ALPHA!", "-alpha", "alpha*", '"alpha"'):
        assert titles_on(client.get("/search", query_string={"q": query})) == ["Alpha story"]
