"""Spam defences without third parties: a honeypot field on the sign-up and comment forms
(a bot that fills it is told it worked and nothing is kept), a minimum time between loading
those forms and sending them (too fast: refused, saying so), and tighter limits for an
account's first day. Every refusal goes to the security log."""

import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from flaskblog import spam
from flaskblog.extensions import db
from flaskblog.models import Comment, Post, User
from tests.helpers.api import bearer, error_of, get_token
from tests.helpers.factories import PASSWORD, add_posts, make_user
from tests.helpers.pages import AuthActions, Forms, csrf_token_from, flashes, page_text

MAIN_CSS = Path(__file__).resolve().parents[2] / "flaskblog" / "static" / "css" / "main.css"
SIGN_UP = {
    "username": "spambot",
    "email": "bot@example.com",
    "password": PASSWORD,
    "confirm_password": PASSWORD,
}


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model))


def form_fields(page: str) -> dict[str, str]:
    """Every named input of the first form on a page with its value, as a bot reads them."""
    return dict(re.findall(r'<input[^>]*?name="([^"]+)"[^>]*?value="([^"]*)"', page))


def comment_from_page(client, post_id: int, body: str, **extra):
    """Send the comment form as the post page served it (its hidden fields included)."""
    page = client.get(f"/post/{post_id}")
    fields = form_fields(page.get_data(as_text=True).split('id="comment-form"')[1])
    return client.post(f"/post/{post_id}/comment", data={**fields, "body": body, **extra})


# --- The honeypot -------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/register", "/post/{post_id}"])
def test_the_honeypot_is_hidden_from_people_keyboards_and_screen_readers(
    client, auth, alices_post, url
):
    if "post" in url:
        make_user(client.application, "bob")
        auth.login("bob@example.com")
    page = client.get(url.format(post_id=alices_post)).get_data(as_text=True)

    [wrapper] = re.findall(r'<div class="trap"[^>]*>.*?</div>', page, re.S)
    assert 'aria-hidden="true"' in wrapper
    [field] = re.findall(r"<input[^>]*>", wrapper)
    assert 'name="website"' in field and 'tabindex="-1"' in field
    assert 'autocomplete="off"' in field
    assert re.search(r"^\.trap \{[^}]*left: -10000px", MAIN_CSS.read_text(), re.M)


def test_a_bot_that_fills_the_honeypot_on_sign_up_is_told_it_worked(
    app, client, forms, security_log
):
    response = forms.submit("/register", {**SIGN_UP, "website": "http://spam.example"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert flashes(client.get("/login"))[0][0] == "success"
    assert count(app, User) == 0
    [event] = [e for e in security_log() if e["event"] == "spam_honeypot"]
    assert event["form"] == "register"


def test_a_bot_that_fills_the_honeypot_on_a_comment_is_told_it_worked(
    app, client, auth, alices_post, security_log
):
    bot = make_user(app, "bob")
    auth.login("bob@example.com")

    response = comment_from_page(client, alices_post, "Cheap pills", website="spam.example")

    assert response.status_code == 302
    assert ("success", "Your comment has been posted.") in flashes(
        client.get(response.headers["Location"])
    )
    assert count(app, Comment) == 0
    [event] = [e for e in security_log() if e["event"] == "spam_honeypot"]
    assert (event["form"], event["user_id"]) == ("comment", bot)


# --- Too fast -------------------------------------------------------------------------------------


@pytest.fixture
def timed_app(build_app):
    """The testing app with the minimum time on, as in production (3 seconds)."""
    return build_app(SPAM_MIN_FORM_SECONDS=3)


def token_from(app, seconds_ago: float) -> str:
    with app.test_request_context():
        return spam.started_token(time.time() - seconds_ago)


def test_a_sign_up_sent_too_fast_is_refused_saying_so(timed_app, security_log):
    client = timed_app.test_client()
    page = client.get("/register").get_data(as_text=True)
    fields = form_fields(page)
    assert fields["form_started"]

    response = client.post("/register", data={**fields, **SIGN_UP})

    assert response.status_code == 200
    assert str(spam.TOO_FAST) in page_text(response)
    assert count(timed_app, User) == 0
    [event] = [e for e in security_log() if e["event"] == "spam_too_fast"]
    assert event["form"] == "register"


def test_a_sign_up_after_a_few_seconds_goes_through(timed_app):
    client = timed_app.test_client()
    fields = form_fields(client.get("/register").get_data(as_text=True))

    response = client.post(
        "/register", data={**fields, **SIGN_UP, "form_started": token_from(timed_app, 10)}
    )

    assert response.status_code == 302
    assert count(timed_app, User) == 1


@pytest.mark.parametrize("started", ["", "12345", "1700000000.forged"])
def test_a_missing_or_forged_start_time_is_refused_saying_so(timed_app, started):
    client = timed_app.test_client()
    token = csrf_token_from(client.get("/register"))

    response = client.post(
        "/register", data={**SIGN_UP, "csrf_token": token, "form_started": started}
    )

    assert str(spam.TOO_FAST) in page_text(response)
    assert count(timed_app, User) == 0


def test_a_comment_sent_too_fast_is_refused_with_the_text_kept(timed_app):
    alice = make_user(timed_app, "alice")
    [post_id] = add_posts(timed_app, alice)
    client = timed_app.test_client()
    AuthActions(client, Forms(client)).login()

    response = comment_from_page(client, post_id, "First!")

    assert response.status_code == 400
    text = page_text(response)
    assert str(spam.TOO_FAST) in text and "First!" in text
    assert count(timed_app, Comment) == 0
    later = comment_from_page(client, post_id, "First!", form_started=token_from(timed_app, 5))
    assert later.status_code == 302
    assert count(timed_app, Comment) == 1


# --- New accounts -------------------------------------------------------------------------------


@pytest.fixture
def limited_app(build_app):
    return build_app(NEW_ACCOUNT_COMMENTS_PER_HOUR=2, NEW_ACCOUNT_POSTS_PER_HOUR=1)


def set_joined(app, user_id: int, when: datetime) -> None:
    with app.app_context():
        db.session.get(User, user_id).created_at = when
        db.session.commit()


def test_a_new_account_may_comment_only_a_few_times_an_hour(limited_app, security_log):
    alice, bob = make_user(limited_app, "alice"), make_user(limited_app, "bob")
    [post_id] = add_posts(limited_app, alice)
    client = limited_app.test_client()
    AuthActions(client, Forms(client)).login("bob@example.com")

    answers = [comment_from_page(client, post_id, f"Hi {n}").status_code for n in range(3)]

    assert answers == [302, 302, 429]
    assert count(limited_app, Comment) == 2
    last = comment_from_page(client, post_id, "Hi again")
    assert "New accounts can write at most 2 comments an hour" in page_text(last)
    [event, *_] = [e for e in security_log() if e["event"] == "new_account_limited"]
    assert (event["user_id"], event["kind"]) == (bob, "comment")


def test_an_account_older_than_a_day_is_not_held_to_the_new_account_limit(limited_app):
    alice, bob = make_user(limited_app, "alice"), make_user(limited_app, "bob")
    set_joined(limited_app, bob, datetime.now(UTC) - timedelta(hours=25))
    [post_id] = add_posts(limited_app, alice)
    client = limited_app.test_client()
    AuthActions(client, Forms(client)).login("bob@example.com")

    answers = [comment_from_page(client, post_id, f"Hi {n}").status_code for n in range(3)]

    assert answers == [302, 302, 302]


def test_a_new_account_may_start_only_a_few_posts_an_hour(limited_app):
    make_user(limited_app, "alice")
    client = limited_app.test_client()
    forms = Forms(client)
    AuthActions(client, forms).login()
    new_post = {"title": "Hello", "content": "Words.", "submit": "Publish"}

    first = forms.submit("/post/new", new_post)
    second = forms.submit("/post/new", new_post)

    assert first.status_code == 302
    assert second.status_code == 429
    assert "New accounts can write at most 1 post an hour" in page_text(second)
    assert count(limited_app, Post) == 1


def test_a_new_account_is_held_to_the_same_post_limit_on_the_api(limited_app):
    make_user(limited_app, "alice")
    client = limited_app.test_client()
    token = get_token(client)

    answers = [
        client.post(
            "/api/v1/posts", json={"title": f"Post {n}", "content": "x"}, headers=bearer(token)
        )
        for n in range(2)
    ]

    assert [answer.status_code for answer in answers] == [201, 429]
    assert "New accounts can write at most 1 post an hour" in error_of(answers[1])["message"]
    assert count(limited_app, Post) == 1


def test_the_post_limit_is_in_the_accounts_language_on_pages_and_english_on_the_api(
    limited_app,
):
    alice = make_user(limited_app, "alice")
    with limited_app.app_context():
        db.session.get(User, alice).language = "de"
        db.session.commit()
    client = limited_app.test_client()
    forms = Forms(client)
    token = get_token(client)
    AuthActions(client, forms).login()
    new_post = {"title": "Hallo", "content": "Worte.", "submit": "Publish"}

    forms.submit("/post/new", new_post)
    page = forms.submit("/post/new", new_post)
    api = client.post(
        "/api/v1/posts",
        json={"title": "Post", "content": "x"},
        headers={**bearer(token), "Accept-Language": "de"},
    )

    assert page.status_code == api.status_code == 429
    assert "Neue Konten können in ihren ersten 24 Stunden höchstens 1 Beitrag" in page_text(page)
    assert "New accounts can write at most 1 post an hour" in error_of(api)["message"]
