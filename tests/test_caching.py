"""Anonymous pages come from the cache, and never stale, personal or with a cookie;
static files are named by their content; pages are compressed for clients that ask."""

import gzip
import re
import time
from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from flask_caching.backends.rediscache import RedisCache
from sqlalchemy import func

from flaskblog.caching import forget_pages, generation, remembered
from flaskblog.extensions import cache, db
from flaskblog.models import Comment, Post, User
from flaskblog.urls import avatar_url, post_url
from tests.helpers import factories
from tests.helpers.factories import (
    PASSWORD,
    add_comments,
    add_posts,
    add_scheduled_post,
    set_published_at,
    tag_posts,
)
from tests.helpers.images import give_avatar
from tests.helpers.pages import AuthActions, Forms, csrf_token_from, page_without_tokens, titles_on
from tests.helpers.queries import statements_run
from tests.helpers.services import REDIS_URL
from tests.helpers.waiting import eventually


@pytest.fixture
def app(build_app):
    """The suite's app, but with a page cache (tests elsewhere run with none)."""
    return build_app(CACHE_TYPE="SimpleCache")


def anonymous_queries(client, count_queries, url: str) -> tuple[int, str]:
    """(SQL statements run, page) for one anonymous GET of `url`."""
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements), response.get_data(as_text=True)


PUBLIC_PAGES = ["/", "/search?q=post", "/user/alice", "/tag/news", "/tags"]


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_an_anonymous_page_is_served_again_without_queries(
    app, client, alice_with_posts, count_queries, url
):
    with app.app_context():
        post_ids = list(db.session.scalars(db.select(Post.id)))
    tag_posts(app, post_ids, "news")

    first, page = anonymous_queries(client, count_queries, url)
    again, cached = anonymous_queries(client, count_queries, url)

    assert first > 0
    assert again == 0
    assert cached == page
    assert "csrf_token" not in cached


def test_a_post_page_is_cached_and_holds_no_token(app, client, alice_with_posts, count_queries):
    with app.app_context():
        post = db.session.scalars(db.select(Post)).first()
        url = post_url(post)
    add_comments(app, post.id, alice_with_posts, 2)

    anonymous_queries(client, count_queries, url)
    again, page = anonymous_queries(client, count_queries, url)

    assert again == 0
    assert "Comment 2" in page
    assert "csrf_token" not in page


def test_a_post_written_through_the_site_shows_at_once(
    app, client, alice_with_posts, forms, count_queries
):
    anonymous_queries(client, count_queries, "/")
    writer = app.test_client()
    Forms = type(forms)
    Forms(writer).submit("/login", {"email": "alice@example.com", "password": PASSWORD})

    response = Forms(writer).submit("/post/new", {"title": "Fresh news", "content": "Hot."})
    assert response.status_code == 302

    assert titles_on(client.get("/"))[0] == "Fresh news"


def test_changes_made_outside_the_site_show_at_once(app, client, alice_with_posts, make_posts):
    assert titles_on(client.get("/"))[0] == "Post 3"
    assert "alice" in client.get("/").text

    make_posts(
        alice_with_posts, 1, title="Written in flask shell", start=datetime(2026, 6, 1, tzinfo=UTC)
    )
    assert titles_on(client.get("/"))[0] == "Written in flask shell"

    with app.app_context():
        db.session.get(User, alice_with_posts).username = "alicia"
        db.session.commit()
    assert ">alicia</a>" in client.get("/").text


def test_a_comment_and_its_deletion_show_at_once(app, client, alice_with_posts, make_user):
    with app.app_context():
        post = db.session.scalars(db.select(Post).order_by(Post.id.desc())).first()
        url = post_url(post)
    assert "Comment 1" not in client.get(url).text

    add_comments(app, post.id, alice_with_posts, 1)
    assert "Comment 1" in client.get(url).text
    assert ">1 comment</a>" in client.get("/").text

    with app.app_context():
        db.session.execute(db.delete(Comment))
        db.session.commit()
    assert "Comment 1" not in client.get(url).text


def test_a_new_picture_and_a_deleted_account_show_at_once(app, client, alice_with_posts):
    before = client.get("/user/alice").text
    picture = give_avatar(app, alice_with_posts, "red")

    assert picture not in before
    assert picture in client.get("/user/alice").text

    with app.app_context():
        db.session.delete(db.session.get(User, alice_with_posts))
        db.session.commit()
    assert client.get("/user/alice").status_code == 404
    assert titles_on(client.get("/")) == []


def test_a_new_bio_or_website_shows_at_once_but_a_time_zone_keeps_the_cache(
    app, client, alice_with_posts, count_queries
):
    assert "Bird watcher." not in client.get("/user/alice").text

    factories.set_profile(
        app, alice_with_posts, about_me="Bird watcher.", website="https://a.example"
    )
    page = client.get("/user/alice").text
    assert "Bird watcher." in page and 'href="https://a.example"' in page

    with app.app_context():
        before = generation()
    factories.set_profile(app, alice_with_posts, timezone="Asia/Tokyo", language="de")
    with app.app_context():
        assert generation() == before  # a reader's zone shows on their own pages, never cached
    assert anonymous_queries(client, count_queries, "/user/alice")[0] == 0


def test_a_rolled_back_change_keeps_the_cache(app, client, alice_with_posts, count_queries):
    anonymous_queries(client, count_queries, "/")
    with app.app_context():
        before = generation()
        db.session.get(User, alice_with_posts).username = "nobody"
        db.session.rollback()
        assert generation() == before
    assert anonymous_queries(client, count_queries, "/")[0] == 0


def test_a_logged_in_reader_never_gets_nor_fills_the_cache(
    app, client, alice_with_posts, auth, count_queries
):
    auth.login()
    with count_queries() as statements:
        mine = client.get("/")
    assert statements  # rendered for this reader, not taken from the cache
    assert "Log out" in mine.text

    visitor = app.test_client()
    first, page = anonymous_queries(visitor, count_queries, "/")
    assert first > 0  # the reader's page was not stored for others
    assert "Log out" not in page and "csrf_token" not in page

    with count_queries() as statements:
        again = client.get("/")
    assert statements
    assert "Log out" in again.text  # and the visitor's page is not served to the reader


def test_a_page_that_sets_a_cookie_is_not_cached(
    app, client, alice_with_posts, auth, count_queries
):
    auth.login()
    auth.logout()  # leaves "You have been logged out." waiting in the session

    with count_queries() as statements:
        flashed = client.get("/")
    assert statements
    assert "You have been logged out." in flashed.text
    assert "Set-Cookie" in flashed.headers

    visitor = app.test_client()
    first, page = anonymous_queries(visitor, count_queries, "/")
    assert first > 0
    assert "You have been logged out." not in page


def test_made_up_query_parameters_do_not_fill_the_cache(app, client, alice_with_posts, renders):
    client.get("/?utm_source=x")
    assert client.get("/?utm_source=x").status_code == 200

    assert renders.count("main/home.html") == 2


def test_errors_and_redirects_are_not_cached(app, client, alice_with_posts, count_queries):
    with app.app_context():
        post = db.session.scalars(db.select(Post)).first()
        wrong_slug = f"/post/{post.id}/not-its-slug"
    for _ in range(2):
        with count_queries() as statements:
            assert client.get(wrong_slug).status_code == 301
        assert statements
        with count_queries() as statements:
            assert client.get("/user/nobody").status_code == 404
        assert statements


def test_with_redis_a_change_in_one_instance_clears_the_pages_of_every_other(
    build_app, redis_prefix
):
    settings = {
        "CACHE_TYPE": "RedisCache",
        "CACHE_REDIS_URL": REDIS_URL,
        "CACHE_KEY_PREFIX": redis_prefix,
    }
    web, other = build_app(**settings), build_app(**settings)
    with web.app_context():
        user = User(username="bob", email="bob@example.com", password_hash="x")
        db.session.add(user)
        db.session.commit()
        db.session.add(Post(title="Only post", content="Text.", author=user))
        db.session.commit()
    client = web.test_client()
    assert titles_on(client.get("/")) == ["Only post"]
    with web.app_context():
        # Another writer changes the data behind the cache's back (say, an SQL console).
        db.session.execute(db.text("UPDATE posts SET title = 'Retitled'"))
        db.session.commit()
    assert titles_on(client.get("/")) == ["Only post"]  # the cached page, as expected
    with other.app_context():
        forget_pages()  # e.g. the other instance commits a change of its own
    # Told over Redis to the front door's memory in each worker (flaskblog.front_door_memory).
    assert eventually(lambda: titles_on(client.get("/")) == ["Retitled"])


def test_pages_are_served_while_redis_is_down(build_app, make_user, make_posts):
    broken = build_app(CACHE_TYPE="RedisCache", CACHE_REDIS_URL="redis://127.0.0.1:1/0")
    client = broken.test_client()

    assert client.get("/").status_code == 200
    with broken.app_context():
        user = User(username="bob", email="bob@example.com", password_hash="x")
        db.session.add(user)
        db.session.commit()  # the write stands, though the cache could not be told
        assert db.session.scalar(db.select(User.username)) == "bob"
    assert client.get("/user/bob").status_code == 200


def test_static_files_are_named_by_content_and_kept_for_a_year(client):
    page = client.get("/about").text
    css = re.search(r'href="(/static/css/main\.css\?v=[0-9a-f]{12})"', page)
    assert css, "the stylesheet's URL carries its content hash"

    response = client.get(css.group(1))
    assert response.status_code == 200
    assert response.cache_control.max_age == 365 * 24 * 60 * 60
    assert response.cache_control.immutable
    # Flask's own "no-cache" would make every page view ask again: it must be gone.
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"

    stale = client.get("/static/css/main.css?v=000000000000")
    assert stale.status_code == 200
    assert not stale.cache_control.immutable
    assert stale.cache_control.no_cache  # an old or unversioned URL is checked each time


def test_the_default_avatar_and_scripts_are_versioned_and_kept_for_a_year(client, alice_with_posts):
    page = client.get("/user/alice").text
    urls = [
        re.search(rf'(?:src|href)="(/static/{name}\?v=[0-9a-f]{{12}})"', page)
        for name in (r"img/default-avatar\.svg", r"js/dates\.js", r"css/highlight\.css")
    ]
    assert all(urls), "every static URL names its content"

    for url in urls:
        response = client.get(url.group(1))
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_pages_are_compressed_for_clients_that_ask(client, alice_with_posts):
    plain = client.get("/").get_data()
    response = client.get("/", headers={"Accept-Encoding": "gzip"})

    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert gzip.decompress(response.get_data()) == plain
    assert len(response.get_data()) < len(plain) / 2


@pytest.mark.parametrize("url", ["/feed.xml", "/user/alice/feed.xml", "/tag/news/feed.xml"])
def test_a_cached_feed_still_answers_304_and_changes_with_the_posts(
    app, client, alice_with_posts, make_posts, count_queries, url
):
    with app.app_context():
        post_ids = list(db.session.scalars(db.select(Post.id)))
    tag_posts(app, post_ids, "news")
    first = client.get(url)
    with count_queries() as statements:
        again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert statements == []
    assert again.status_code == 304

    tag_posts(
        app,
        make_posts(alice_with_posts, 1, title="Newer", start=datetime(2026, 6, 1, tzinfo=UTC)),
        "news",
    )
    changed = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200
    assert "Newer" in changed.text


def test_an_avatar_is_answered_304_when_the_browser_has_it(app, client, alice_with_posts):
    give_avatar(app, alice_with_posts, "blue")
    with app.app_context():
        url = avatar_url(db.session.get(User, alice_with_posts))

    first = client.get(url)
    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    since = client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})

    assert first.status_code == 200 and first.cache_control.immutable
    assert again.status_code == 304 and again.get_data() == b""
    assert since.status_code == 304


# --- What forgets pages ------------------------------------------------------------------------


def test_every_model_says_whether_public_pages_show_it(app):
    # The rule sits on the class, so a renamed model keeps it; a new one must state its own.
    silent = [
        mapper.class_.__name__
        for mapper in db.Model.registry.mappers
        if "shown_on_public_pages" not in vars(mapper.class_)
    ]
    assert silent == []


def test_a_change_no_public_page_shows_keeps_the_cache(app, alice):
    with app.app_context():
        before = generation()
        user = db.session.get(User, alice)
        user.set_password("a new password for alice")
        user.start_session(remember=False, user_agent="test", ip=None)
        db.session.commit()
        assert generation() == before

        user.username = "alicia"
        db.session.commit()
        assert generation() != before


# --- Scheduled posts ---------------------------------------------------------------------------


@pytest.fixture
def either_cache_app(build_app, page_cache):
    """An app with a page cache in its own memory, then (a second run) in Redis."""
    return build_app(**page_cache)


def page_lifetimes(app, kind: str = "page") -> list[float]:
    """Seconds left to each cached page (or other `kind` of value kept with the pages), as
    the backend itself keeps them."""
    backend = app.extensions["cache"][cache]
    if isinstance(backend, RedisCache):
        keys = backend._read_client.keys(f"{app.config['CACHE_KEY_PREFIX']}{kind}:*")
        return [backend._read_client.ttl(key) for key in keys]
    now = time.time()
    return [until - now for key, (until, _) in backend._cache.items() if key.startswith(f"{kind}:")]


def test_a_page_is_kept_no_longer_than_until_the_next_scheduled_post(either_cache_app):
    app = either_cache_app
    alice = factories.make_user(app, "alice")
    add_posts(app, alice, 1, title="Old news")
    add_scheduled_post(app, alice, when=datetime.now(UTC) + timedelta(seconds=100))
    add_scheduled_post(app, alice, when=datetime.now(UTC) + timedelta(days=1))

    assert app.test_client().get("/").status_code == 200

    (lifetime,) = page_lifetimes(app)
    assert 90 < lifetime <= 100  # not the usual CACHE_DEFAULT_TIMEOUT (300)


def test_a_value_made_as_a_scheduled_post_goes_live_is_kept_no_longer_than_its_time(
    either_cache_app,
):
    app = either_cache_app
    post_id = add_scheduled_post(
        app, factories.make_user(app, "alice"), when=datetime.now(UTC) + timedelta(seconds=100)
    )

    def make() -> str:
        # The post's time comes while the value is being made: it may not be in it.
        set_published_at(app, post_id, datetime.now(UTC) - timedelta(seconds=1))
        return "made"

    with app.test_request_context("/"):
        assert remembered("made while the post went live", make) == "made"

    (lifetime,) = page_lifetimes(app, kind="remembered")
    assert 90 < lifetime <= 100  # not the usual CACHE_DEFAULT_TIMEOUT (300)


def test_without_scheduled_posts_a_page_is_kept_the_usual_time(either_cache_app):
    app = either_cache_app
    add_posts(app, factories.make_user(app, "alice"), 1)

    assert app.test_client().get("/").status_code == 200

    (lifetime,) = page_lifetimes(app)
    assert app.config["CACHE_DEFAULT_TIMEOUT"] - 5 < lifetime <= app.config["CACHE_DEFAULT_TIMEOUT"]


def test_a_page_cached_before_a_scheduled_post_shows_it_after_its_time(either_cache_app):
    app = either_cache_app
    alice = factories.make_user(app, "alice")
    add_posts(app, alice, 1, title="Old news")
    when = datetime.now(UTC) + timedelta(seconds=2)
    add_scheduled_post(app, alice, title="Right on time", when=when)
    client = app.test_client()

    assert titles_on(client.get("/")) == ["Old news"]
    with statements_run(app) as statements:
        assert titles_on(client.get("/")) == ["Old news"]
    assert statements == []  # served from the cache

    time.sleep(max(0, (when - datetime.now(UTC)).total_seconds()) + 0.05)  # no write since

    assert titles_on(client.get("/")) == ["Right on time", "Old news"]


def test_a_page_is_not_kept_when_a_scheduled_post_is_due_within_a_second(app, alice):
    add_scheduled_post(app, alice, when=datetime.now(UTC) + timedelta(milliseconds=900))

    assert app.test_client().get("/").status_code == 200

    assert page_lifetimes(app) == []


# --- Pages for logged-in readers -----------------------------------------------------------------


def reader(app, username: str, **profile) -> FlaskClient:
    """A browser logged in as a new user `username`, with these profile settings."""
    user_id = factories.make_user(app, username)
    if profile:
        factories.set_profile(app, user_id, **profile)
    browser = app.test_client()
    assert AuthActions(browser, Forms(browser)).login(f"{username}@example.com").status_code == 302
    return browser


def test_the_home_listing_is_made_once_for_readers_and_holds_nothing_of_theirs(
    app, alice_with_posts, count_queries
):
    bob, carol = reader(app, "bob"), reader(app, "carol")
    with count_queries() as made:
        bobs = bob.get("/")
    with count_queries() as kept:
        carols = carol.get("/")

    assert len(kept) == 1 < len(made)  # only Carol's login: the listing came from the cache
    assert titles_on(carols) == titles_on(bobs) == ["Post 3", "Post 2", "Post 1"]
    assert 'account-menu__name">carol<' in carols.text and "bob" not in carols.text
    assert csrf_token_from(carols) != csrf_token_from(bobs)
    assert page_without_tokens(carols) == page_without_tokens(bobs).replace("bob", "carol")


def test_a_kept_listing_is_never_shown_in_another_time_zone_or_language(
    app, alice, make_posts, count_queries
):
    (post_id,) = make_posts(alice, 1)
    set_published_at(app, post_id, datetime(2026, 1, 1, 20, 0, tzinfo=UTC))  # 2 January in Tokyo
    readers = {
        "utc": reader(app, "bob"),
        "tokyo": reader(app, "carol", timezone="Asia/Tokyo"),
        "german": reader(app, "dave", language="de"),
    }
    pages = {name: page_without_tokens(browser.get("/")) for name, browser in readers.items()}

    assert ">January 1, 2026</time>" in pages["utc"] and "Read more" in pages["utc"]
    assert ">January 2, 2026</time>" in pages["tokyo"] and "Read more" in pages["tokyo"]
    assert "Weiterlesen" in pages["german"] and "Read more" not in pages["german"]
    with count_queries() as statements:
        again = page_without_tokens(readers["tokyo"].get("/"))
    assert len(statements) == 1 and again == pages["tokyo"]  # kept for each, apart


def test_a_write_shows_at_once_on_a_kept_listing(app, alice_with_posts, make_posts):
    bob = reader(app, "bob")
    assert titles_on(bob.get("/"))[0] == "Post 3"

    make_posts(alice_with_posts, 1, title="Fresh", start=datetime(2026, 2, 1, tzinfo=UTC))
    assert titles_on(bob.get("/"))[0] == "Fresh"

    add_comments(app, post_ids_of(app)[-1], alice_with_posts, 2)
    assert ">2 comments</a>" in bob.get("/").text


def test_a_kept_listing_lasts_no_longer_than_its_newest_date_keeps_its_words(
    app, alice, make_posts
):
    (post_id,) = make_posts(alice, 1)
    set_published_at(app, post_id, datetime.now(UTC) - timedelta(seconds=40))
    bob = reader(app, "bob")

    assert ">just now</time>" in bob.get("/").text

    (lifetime,) = fragment_lifetimes(app)
    assert 0 < lifetime <= 20  # "1 minute ago" from its 60th second on


def test_a_listing_of_old_posts_is_kept_the_usual_time(app, alice_with_posts):
    reader(app, "bob").get("/")

    (lifetime,) = fragment_lifetimes(app)
    assert app.config["CACHE_DEFAULT_TIMEOUT"] - 5 < lifetime <= app.config["CACHE_DEFAULT_TIMEOUT"]


def test_a_post_pages_links_are_kept_and_a_new_post_shows_at_once(
    app, alice, make_posts, count_queries
):
    first, second = make_posts(alice, 2)
    tag_posts(app, [first, second], "birds")
    bob = reader(app, "bob")
    with count_queries() as made:
        assert bob.get(f"/post/{first}").status_code == 200
    with count_queries() as kept:
        page = bob.get(f"/post/{first}").text

    def links_read(statements) -> int:  # the neighbours' and the related posts' statements
        return sum("AS older" in sql or "AS candidates" in sql for sql in statements)

    assert links_read(made) == 2 and links_read(kept) == 0  # the second time, from the cache
    assert 'rel="next"><span class="post-neighbours__label">Next post</span> Post 2' in page
    assert "Post 2</a>" in re.search(r'<section class="related panel".*?</section>', page, re.S)[0]

    make_posts(alice, 1, title="Newest", start=datetime(2026, 1, 1, 0, 1, 30, tzinfo=UTC))
    assert "</span> Newest</a>" in bob.get(f"/post/{second}").text


def test_a_statement_built_once_sees_a_scheduled_post_when_its_time_comes(app, alice):
    add_scheduled_post(app, alice, when=datetime.now(UTC) + timedelta(seconds=1))
    with app.app_context():
        public = db.select(func.count()).select_from(Post).where(Post.is_public)
        assert db.session.scalar(public) == 0

        time.sleep(1.05)

        assert db.session.scalar(public) == 1  # "now" is read as it runs, not as it was built


def post_ids_of(app) -> list[int]:
    with app.app_context():
        return list(db.session.scalars(db.select(Post.id).order_by(Post.published_at)))


def fragment_lifetimes(app) -> list[float]:
    """Seconds left to each kept fragment of a logged-in reader's page (the memory cache)."""
    backend = app.extensions["cache"][cache]
    now = time.time()
    return [until - now for key, (until, _) in backend._cache.items() if key.startswith("shared:")]


def test_the_post_itself_is_made_once_and_each_readers_own_parts_stay_theirs(
    app, alice, make_posts
):
    (post_id,) = make_posts(alice, 1, title="Puffins")
    set_published_at(app, post_id, datetime(2026, 1, 1, 20, 0, tzinfo=UTC))  # 2 January in Tokyo
    bob, carol = reader(app, "bob"), reader(app, "carol", timezone="Asia/Tokyo")
    bobs_page = bob.get(f"/post/{post_id}")
    assert bob.post(
        f"/post/{post_id}/bookmark", data={"csrf_token": csrf_token_from(bobs_page)}
    ).status_code in (302, 303)
    dave = reader(app, "dave")

    bobs, carols, daves = (who.get(f"/post/{post_id}") for who in (bob, carol, dave))

    assert "Remove bookmark" in bobs.text and "Remove bookmark" not in daves.text
    assert ">January 1, 2026</time>" in daves.text and ">January 2, 2026</time>" in carols.text
    assert 'account-menu__name">dave<' in daves.text and "bob" not in daves.text
    assert len({csrf_token_from(page) for page in (bobs, carols, daves)}) == 3
    assert any(key.endswith(f"post:{post_id}:in-full") for key in fragment_keys(app))


def test_an_edited_post_shows_at_once_and_a_draft_is_never_kept(app, alice, make_posts, auth):
    (post_id,) = make_posts(alice, 1, title="Puffins")
    bob = reader(app, "bob")
    assert "Puffins</h1>" in bob.get(f"/post/{post_id}").text

    with app.app_context():
        db.session.get(Post, post_id).title = "Puffins at sea"
        db.session.commit()
    assert "Puffins at sea</h1>" in bob.get(f"/post/{post_id}").text

    (draft_id,) = factories.make_drafts(app, alice, 1)
    auth.login()
    assert auth.client.get(f"/post/{draft_id}").status_code == 200
    assert not any(f"post:{draft_id}:" in key for key in fragment_keys(app))


def fragment_keys(app) -> list[str]:
    """The keys of the kept fragments of logged-in readers' pages (the memory cache)."""
    kept = app.extensions["cache"][cache]._cache
    return [key for key in kept if key.startswith("shared:")]
