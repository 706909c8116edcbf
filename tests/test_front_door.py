"""The page cache's front door (flaskblog.front_door): a repeat of an anonymous request for a
cached page is answered before Flask runs, with the full stack's own final answer, and never
to a request that could be someone's or that the answer was not made for."""

import gzip
import logging
from datetime import UTC, datetime, timedelta

import pytest

from flaskblog import caching
from flaskblog.extensions import db
from flaskblog.models import Post
from tests.helpers.factories import add_scheduled_post
from tests.helpers.images import give_avatar
from tests.helpers.pages import titles_on
from tests.metrics.test_metrics import TOKEN, scrape

# Headers each answer makes for itself.
OWN_HEADERS = {"X-Request-ID", "Date"}


@pytest.fixture
def app(build_app, page_cache):
    """An app with a page cache in its own memory, then (a second run) in Redis."""
    return build_app(**page_cache, METRICS_TOKEN=TOKEN)


@pytest.fixture
def posts(app, make_user, make_posts):
    make_posts(make_user("alice"), 6)  # two pages


def headers_of(response) -> dict:
    return {name: value for name, value in response.headers if name not in OWN_HEADERS}


def test_a_repeated_anonymous_page_is_answered_without_flask(app, client, posts, flask_requests):
    first = client.get("/")
    again = client.get("/")

    assert flask_requests == ["/"]
    assert again.status_code == 200
    assert again.data == first.data
    assert headers_of(again) == headers_of(first)
    assert again.headers["X-Request-ID"] != first.headers["X-Request-ID"]
    assert titles_on(again) == ["Post 6", "Post 5", "Post 4", "Post 3", "Post 2"]


@pytest.mark.parametrize("url", ["/user/alice", "/post/1/post-1", "/feed.xml", "/?page=2"])
def test_every_cached_kind_of_page_goes_through_the_door(app, client, posts, flask_requests, url):
    first = client.get(url)
    again = client.get(url)

    assert first.status_code == 200, url
    assert again.data == first.data
    assert flask_requests == [url.split("?")[0]]


def test_each_language_and_encoding_has_its_own_answer(app, client, posts, flask_requests):
    german = {"Accept-Language": "de-DE,de;q=0.9", "Accept-Encoding": "gzip"}
    first_german = client.get("/", headers=german)
    english = client.get("/", headers={"Accept-Language": "en"})
    german_again = client.get("/", headers={"Accept-Language": "de", "Accept-Encoding": "gzip"})
    english_again = client.get("/", headers={"Accept-Language": "en-GB"})

    assert flask_requests == ["/", "/"]
    assert german_again.headers["Content-Encoding"] == "gzip"
    assert german_again.data == first_german.data
    assert ">Beiträge</a>" in gzip.decompress(german_again.data).decode()
    assert "Content-Encoding" not in english_again.headers
    assert english_again.data == english.data and ">Home</a>" in english.text


def test_a_change_reaches_the_door_at_once(app, client, posts, make_posts, flask_requests):
    client.get("/")
    client.get("/")
    with app.app_context():
        db.session.get(Post, 6).title = "Retitled"
        db.session.commit()

    assert titles_on(client.get("/"))[:2] == ["Retitled", "Post 5"]
    assert flask_requests == ["/", "/"]


@pytest.mark.parametrize(
    ("cookie", "headers"),
    [
        ("SESSION_COOKIE_NAME", {}),
        ("remember_token", {}),
        (None, {"Authorization": "Bearer abc"}),
        (None, {"If-None-Match": '"abc"'}),
        (None, {"Range": "bytes=0-10"}),
    ],
    ids=["session", "login cookie", "credentials", "conditional", "range"],
)
def test_a_request_that_could_be_someones_goes_through_flask(
    app, client, posts, flask_requests, cookie, headers
):
    client.get("/")
    client.get("/")
    if cookie:
        name = app.config.get(cookie, cookie)  # Flask-Login's default name unless configured
        client.set_cookie(name, "anything", domain=app.config["SERVER_NAME"])

    response = client.get("/", headers=headers)

    assert response.status_code in (200, 206)
    assert flask_requests == ["/", "/"]


def test_other_cookies_do_not_keep_a_visitor_from_the_door(app, client, posts, flask_requests):
    client.get("/")
    client.set_cookie(app.config["DEVICE_COOKIE_NAME"], "x", domain=app.config["SERVER_NAME"])
    client.set_cookie("consent", "yes", domain=app.config["SERVER_NAME"])

    response = client.get("/")

    assert response.status_code == 200
    assert flask_requests == ["/"]


def test_a_logged_in_reader_is_never_answered_at_the_door(app, client, auth, posts, flask_requests):
    client.get("/")
    auth.login(email="alice@example.com")

    page = client.get("/")

    assert "Log out" in page.text
    assert flask_requests.count("/") == 2


@pytest.mark.parametrize("url", ["/?page=01", "/?utm_source=mail", "/nowhere"])
def test_what_the_full_stack_would_not_cache_is_never_kept(app, client, posts, flask_requests, url):
    first = client.get(url)
    again = client.get(url)

    assert again.status_code == first.status_code
    assert flask_requests == [url.split("?")[0]] * 2


def test_a_head_request_gets_the_headers_alone(app, client, posts, flask_requests):
    page = client.get("/")

    head = client.head("/")

    assert flask_requests == ["/"]
    assert head.data == b""
    assert head.headers["Content-Length"] == str(len(page.data))


def test_a_hit_is_logged_and_counted(app, client, posts, caplog):
    client.get("/")
    before = scrape(client)

    with caplog.at_level(logging.INFO, logger="flaskblog.request"):
        hit = client.get("/", headers={"X-Request-ID": "router-id-1"})
    after = scrape(client)

    assert hit.headers["X-Request-ID"] == "router-id-1"
    [line] = [
        record
        for record in caplog.records
        if getattr(record, "fields", {}).get("request_id") == "router-id-1"
    ]
    assert line.fields["path"] == "/" and line.fields["status"] == 200
    assert line.fields["user_id"] is None
    requests = ("flaskblog_requests_total", (("endpoint", "main.home"), ("status", "200")))
    hits = ("flaskblog_page_cache_hits_total", ())
    assert after[requests] - before.get(requests, 0) == 1
    assert after[hits] - before[hits] == 1


def test_nothing_is_kept_when_a_scheduled_post_is_due_within_a_second(
    app, client, make_user, flask_requests
):
    alice = make_user("alice")
    add_scheduled_post(app, alice, "Soon", when=datetime.now(UTC) + timedelta(seconds=0.5))

    client.get("/")
    client.get("/")

    # The post may belong on the page in a moment (flaskblog.caching.page_timeout).
    assert flask_requests == ["/", "/"]


def test_a_picture_is_answered_at_the_door_and_still_revalidated_by_flask(
    app, client, make_user, flask_requests
):
    url = give_avatar(app, make_user("alice"), "red")
    first = client.get(url)
    again = client.get(url)

    assert flask_requests == [url]
    assert again.data == first.data and again.mimetype == "image/webp"
    assert again.cache_control.immutable and again.cache_control.max_age == 365 * 24 * 60 * 60
    revalidated = client.get(url, headers={"If-None-Match": again.headers["ETag"]})
    assert revalidated.status_code == 304
    assert flask_requests == [url, url]


def test_an_answer_too_big_to_keep_is_served_from_where_it_is(
    app, client, make_user, flask_requests, monkeypatch
):
    url = give_avatar(app, make_user("alice"), "red")
    monkeypatch.setattr(caching, "MAX_KEPT_BYTES", 100)

    first = client.get(url)
    again = client.get(url)

    assert len(first.data) > 100 and again.data == first.data
    assert flask_requests == [url, url]
