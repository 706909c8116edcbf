"""The editor's buttons, by the state of the post: a new post or a draft is saved as a draft
by Enter and published only by "Publish"; a published post is updated or unpublished; a
scheduled one is published now, moved, or taken back. Each says what it did, keeps one
revision, and the server honours only the buttons the editor offered."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from flaskblog import revisions
from flaskblog.extensions import db
from flaskblog.models import Post, Revision, User, utcnow
from flaskblog.posts.editor import EDIT_LIMIT, NEW_POST_LIMIT
from tests.helpers.factories import make_drafts, make_user, set_profile
from tests.helpers.pages import (
    AuthActions,
    Forms,
    csrf_token_from,
    field_errors,
    flashes,
    page_text,
)

SUBMIT_BUTTON = re.compile(r'<input [^>]*type="submit"[^>]*>')
LATER = "2099-12-04T09:30"
LATER_UTC = datetime(2099, 12, 4, 9, 30, tzinfo=UTC)
LATER_IN_WORDS = "December 4, 2099, 09:30 UTC"


def shown(when: str, words: str) -> str:
    """A moment as the page names it: its words in a <time> holding the UTC instant."""
    return f'<time datetime="{when}">{words}</time>'


LATER_SHOWN = shown("2099-12-04T09:30:00Z", LATER_IN_WORDS)
NEW_POST_PER_MINUTE = int(NEW_POST_LIMIT.split("/")[0])
EDIT_PER_MINUTE = int(EDIT_LIMIT.split("/")[0])


def buttons(response) -> list[tuple[str, str]]:
    """The editor's submit buttons in page order (Enter presses the first): (name, label)."""
    found = []
    for tag in SUBMIT_BUTTON.findall(response.get_data(as_text=True)):
        name = re.search(r'name="([^"]+)"', tag).group(1)
        found.append((name, re.search(r'value="([^"]*)"', tag).group(1)))
    return found


def stored(app, post_id: int) -> Post:
    with app.app_context():
        post = db.session.get(Post, post_id)
        db.session.expunge(post)
        return post


def revision_kinds(app, post_id: int) -> list[str]:
    """The post's revisions, oldest first, by kind (pending ones marked)."""
    with app.app_context():
        rows = db.session.scalars(
            db.select(Revision).where(Revision.post_id == post_id).order_by(Revision.id)
        )
        return [f"{row.kind} (pending)" if row.is_pending else row.kind for row in rows]


def post_count(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(Post))


def schedule(app, post_id: int, when: datetime = LATER_UTC) -> None:
    with app.app_context():
        db.session.get(Post, post_id).schedule(when)
        db.session.commit()


@pytest.fixture
def draft(app, logged_in_alice) -> int:
    (post_id,) = make_drafts(app, logged_in_alice, 1, title="Half done", content="Some.")
    return post_id


@pytest.fixture
def published(logged_in_alice, make_posts) -> int:
    (post_id,) = make_posts(logged_in_alice, 1, title="Out there", content="Read me.")
    return post_id


@pytest.fixture
def scheduled(app, draft) -> int:
    schedule(app, draft)
    return draft


def save(forms, url: str, button: str | None, **fields):
    """Send the editor at `url` with these fields, pressing `button` (its label unimportant)."""
    data = {"title": "My title", "content": "My *text*.", **fields}
    if button:
        data[button] = "pressed"
    return forms.submit(url, data)


# What each state offers


def test_a_new_post_offers_save_draft_first_so_enter_never_publishes(client, logged_in_alice):
    page = client.get("/post/new")

    assert buttons(page) == [
        ("save_draft", "Save draft"),
        ("submit", "Publish"),
        ("preview", "Preview"),
        ("schedule", "Schedule"),
    ]
    html = page.get_data(as_text=True)
    assert re.search(r'<input id="publish_at" name="publish_at" type="datetime-local"', html)
    assert '<label for="publish_at">Publish at (UTC)</label>' in html
    assert '<label for="summary">Summary' in html


def test_a_draft_offers_the_same_buttons_as_a_new_post(client, draft):
    assert [name for name, _ in buttons(client.get(f"/post/{draft}/update"))] == [
        "save_draft",
        "submit",
        "preview",
        "schedule",
    ]


def test_a_published_post_offers_update_and_unpublish_and_no_save_draft(client, published):
    page = client.get(f"/post/{published}/update")

    assert buttons(page) == [
        ("submit", "Update"),
        ("unpublish", "Unpublish"),
        ("preview", "Preview"),
    ]
    assert 'name="publish_at"' not in page.text


def test_a_scheduled_post_offers_change_time_publish_now_and_back_to_drafts(client, scheduled):
    page = client.get(f"/post/{scheduled}/update")

    # "Change time" first: Enter keeps the time rather than publishing at once.
    assert buttons(page) == [
        ("schedule", "Change time"),
        ("submit", "Publish now"),
        ("unpublish", "Back to drafts"),
        ("preview", "Preview"),
    ]
    assert 'value="2099-12-04T09:30"' in page.text
    assert f"<legend>Scheduled for {LATER_SHOWN}</legend>" in page.text


# What each button does and says


def test_save_draft_on_a_new_post_keeps_it_a_draft(app, client, forms, logged_in_alice):
    response = save(forms, "/post/new", "save_draft")

    post = stored(app, 1)
    assert (post.is_published, post.published_at) == (False, None)
    assert flashes(client.get(response.headers["Location"])) == [("success", "Draft saved.")]
    assert revision_kinds(app, 1) == ["save"]


def test_publish_on_a_new_post_publishes_it(app, client, forms, logged_in_alice):
    before = utcnow()

    response = save(forms, "/post/new", "submit")

    post = stored(app, 1)
    assert post.is_public and before <= post.published_at <= utcnow()
    assert flashes(client.get(response.headers["Location"])) == [("success", "Published.")]
    assert revision_kinds(app, 1) == ["publish"]


def test_publish_on_a_draft_publishes_it(app, client, forms, draft):
    response = save(forms, f"/post/{draft}/update", "submit", title="Done")

    assert stored(app, draft).is_public
    assert flashes(client.get(response.headers["Location"])) == [("success", "Published.")]
    assert revision_kinds(app, draft) == ["publish"]


def test_save_draft_on_a_draft_keeps_it_a_draft(app, client, forms, draft):
    response = save(forms, f"/post/{draft}/update", "save_draft", content="More.")

    post = stored(app, draft)
    assert (post.is_published, post.content) == (False, "More.")
    assert flashes(client.get(response.headers["Location"])) == [("success", "Draft saved.")]
    assert revision_kinds(app, draft) == ["save"]


def test_update_on_a_published_post_keeps_it_published(app, client, forms, published):
    first_published = stored(app, published).published_at

    response = save(forms, f"/post/{published}/update", "submit", content="Better.")

    post = stored(app, published)
    assert (post.is_public, post.content, post.published_at) == (True, "Better.", first_published)
    assert flashes(client.get(response.headers["Location"])) == [("success", "Updated.")]
    assert revision_kinds(app, published) == ["update"]


def test_unpublish_takes_a_published_post_back_to_the_drafts(app, client, forms, published):
    response = save(forms, f"/post/{published}/update", "unpublish", content="Rethinking.")

    post = stored(app, published)
    assert (post.is_published, post.content) == (False, "Rethinking.")
    assert flashes(client.get(response.headers["Location"])) == [
        ("success", "Unpublished: only you can see it now.")
    ]
    assert revision_kinds(app, published) == ["save"]
    assert client.get("/").text.count("Rethinking") == 0


def test_schedule_publishes_a_new_post_later_and_says_when(app, client, forms, logged_in_alice):
    response = save(forms, "/post/new", "schedule", publish_at=LATER)

    post = stored(app, 1)
    assert (post.is_published, post.published_at, post.is_public) == (True, LATER_UTC, False)
    assert flashes(client.get(response.headers["Location"])) == [
        ("success", f"Scheduled for {LATER_SHOWN}.")
    ]
    assert revision_kinds(app, 1) == ["publish"]


def test_schedule_on_a_draft_says_the_date_in_words(app, client, forms, draft):
    tomorrow = (utcnow() + timedelta(days=1)).replace(second=0, microsecond=0)
    local = f"{tomorrow:%Y-%m-%dT%H:%M}"

    response = save(forms, f"/post/{draft}/update", "schedule", publish_at=local)

    assert stored(app, draft).published_at == tomorrow
    words = f"{tomorrow:%B} {tomorrow.day}, {tomorrow:%Y, %H:%M} UTC"
    expected = f"Scheduled for {shown(f'{tomorrow:%Y-%m-%dT%H:%M:00Z}', words)}."
    assert flashes(client.get(response.headers["Location"])) == [("success", expected)]


def test_schedule_reads_the_time_in_the_authors_zone_and_says_it_there(app, client, forms, draft):
    set_profile(app, draft_author(app, draft), timezone="America/Los_Angeles")

    response = save(forms, f"/post/{draft}/update", "schedule", publish_at="2099-12-24T18:00")

    assert stored(app, draft).published_at == datetime(2099, 12, 25, 2, 0, tzinfo=UTC)
    assert flashes(client.get(response.headers["Location"])) == [
        (
            "success",
            f"Scheduled for {shown('2099-12-25T02:00:00Z', 'December 24, 2099, 18:00 PST')}.",
        )
    ]
    editor = client.get(f"/post/{draft}/update").get_data(as_text=True)
    assert 'value="2099-12-24T18:00"' in editor and "Publish at (America/Los_Angeles)" in editor


def draft_author(app, post_id: int) -> int:
    return stored(app, post_id).user_id


def test_change_time_moves_a_scheduled_post(app, client, forms, scheduled):
    response = save(forms, f"/post/{scheduled}/update", "schedule", publish_at="2099-12-05T18:00")

    assert stored(app, scheduled).published_at == datetime(2099, 12, 5, 18, 0, tzinfo=UTC)
    assert flashes(client.get(response.headers["Location"])) == [
        (
            "success",
            f"Scheduled for {shown('2099-12-05T18:00:00Z', 'December 5, 2099, 18:00 UTC')}.",
        )
    ]
    assert revision_kinds(app, scheduled) == ["publish"]


def test_publish_now_publishes_a_scheduled_post_at_once(app, client, forms, scheduled):
    before = utcnow()

    response = save(forms, f"/post/{scheduled}/update", "submit")

    post = stored(app, scheduled)
    assert post.is_public and before <= post.published_at <= utcnow()
    assert flashes(client.get(response.headers["Location"])) == [("success", "Published.")]
    assert revision_kinds(app, scheduled) == ["publish"]


def test_back_to_drafts_unschedules_and_a_later_publish_is_now(app, client, forms, scheduled):
    response = save(forms, f"/post/{scheduled}/update", "unpublish")

    assert stored(app, scheduled).is_published is False
    assert flashes(client.get(response.headers["Location"])) == [
        ("success", "Unpublished: only you can see it now.")
    ]
    save(forms, f"/post/{scheduled}/update", "submit")
    assert stored(app, scheduled).is_public  # not the old future time


# Buttons the editor did not offer


@pytest.mark.parametrize(
    ("state", "button"),
    [
        ("published", "save_draft"),
        ("published", "schedule"),
        ("scheduled", "save_draft"),
        ("draft", "unpublish"),
    ],
)
def test_a_button_the_state_does_not_offer_changes_nothing(app, request, forms, state, button):
    post_id = request.getfixturevalue(state)
    before = stored(app, post_id)

    response = save(forms, f"/post/{post_id}/update", button, content="Forged.", publish_at=LATER)

    assert response.status_code == 400
    assert "That button is not offered for this post" in page_text(response)
    assert "Forged." in response.text  # the text is still in the editor
    after = stored(app, post_id)
    assert (after.is_published, after.published_at, after.content) == (
        before.is_published,
        before.published_at,
        before.content,
    )
    assert revision_kinds(app, post_id) == []


def test_unpublish_on_a_new_post_saves_nothing(app, forms, logged_in_alice):
    response = save(forms, "/post/new", "unpublish")

    assert response.status_code == 400
    assert post_count(app) == 0


# publish_at


@pytest.mark.parametrize(
    ("publish_at", "message"),
    [
        ("", "Choose the date and time to publish at."),
        ("next tuesday", "Enter a date and time like 2026-12-04 09:30."),
        ("2026-13-45T25:99", "Enter a date and time like 2026-12-04 09:30."),
        ("99999-01-01T00:00", "Enter a date and time like 2026-12-04 09:30."),
        ("2020-01-01T10:00", "Choose a time in the future: that one has already passed."),
    ],
)
def test_a_bad_publish_at_is_refused_on_the_field_and_nothing_is_saved(
    app, forms, logged_in_alice, publish_at, message
):
    response = save(forms, "/post/new", "schedule", publish_at=publish_at)

    assert response.status_code == 200
    assert field_errors(response, "publish_at") == [message]
    assert "My *text*." in page_text(response)
    assert post_count(app) == 0


def test_a_bad_publish_at_is_ignored_by_the_other_buttons(app, forms, logged_in_alice):
    response = save(forms, "/post/new", "save_draft", publish_at="whenever")

    assert response.status_code == 302
    assert stored(app, 1).is_published is False


def test_a_past_time_leaves_a_scheduled_post_as_it_was(app, forms, scheduled):
    response = save(forms, f"/post/{scheduled}/update", "schedule", publish_at="2020-01-01T10:00")

    assert field_errors(response, "publish_at") == [
        "Choose a time in the future: that one has already passed."
    ]
    assert stored(app, scheduled).published_at == LATER_UTC


# Summary


def test_the_summary_is_saved_stripped_and_an_empty_one_is_none(app, forms, logged_in_alice):
    save(forms, "/post/new", "submit", summary="  A short summary.\r\n ")
    assert stored(app, 1).summary == "A short summary."

    save(forms, "/post/1/update", "submit", summary="   ")
    assert stored(app, 1).summary is None


def test_a_summary_over_the_limit_is_refused(app, forms, logged_in_alice):
    response = save(forms, "/post/new", "submit", summary="x" * (Post.SUMMARY_LENGTH + 1))

    assert field_errors(response, "summary") == [
        f"A summary can be at most {Post.SUMMARY_LENGTH} characters long."
    ]
    assert post_count(app) == 0


def test_the_editor_shows_the_saved_summary(client, forms, logged_in_alice):
    save(forms, "/post/new", "save_draft", summary="What it is about.")

    assert "What it is about.</textarea>" in client.get("/post/1/update").text


# Autosaved text of a published post (a pending revision)


def autosave_pending(app, post_id: int, user_id: int, content: str) -> None:
    with app.app_context():
        post = db.session.get(Post, post_id)
        author = db.session.get(User, user_id)
        revisions.save_pending(post, author, title=post.title, content=content, tags="")
        db.session.commit()


def test_the_editor_of_a_published_post_loads_its_pending_text_and_says_so(
    app, client, published, logged_in_alice
):
    autosave_pending(app, published, logged_in_alice, "Autosaved, not live.")

    page = client.get(f"/post/{published}/update")

    assert "Autosaved, not live.</textarea>" in page.text
    text = page_text(page)
    assert re.search(
        r'This is your text autosaved <time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ">'
        r"\w+ \d+, \d{4}, \d\d:\d\d UTC</time>, not yet published: "
        r"readers still see the post as it was\. “Update” publishes it\.",
        text,
    )
    assert "Read me." in client.get(f"/post/{published}").text


def test_update_publishes_the_pending_text_and_forgets_it(
    app, client, forms, published, logged_in_alice
):
    autosave_pending(app, published, logged_in_alice, "Autosaved, not live.")

    save(forms, f"/post/{published}/update", "submit", content="Autosaved, now live.")

    assert stored(app, published).content == "Autosaved, now live."
    assert revision_kinds(app, published) == ["update"]
    assert "This is your text autosaved" not in page_text(client.get(f"/post/{published}/update"))


def test_unpublish_keeps_the_forms_text_as_the_draft_and_forgets_the_pending_one(
    app, forms, published, logged_in_alice
):
    autosave_pending(app, published, logged_in_alice, "Autosaved.")

    save(forms, f"/post/{published}/update", "unpublish", content="From the form.")

    post = stored(app, published)
    assert (post.is_published, post.content) == (False, "From the form.")
    assert revision_kinds(app, published) == ["save"]


def test_a_form_with_errors_keeps_the_pending_revision(app, forms, published, logged_in_alice):
    autosave_pending(app, published, logged_in_alice, "Autosaved.")

    response = save(forms, f"/post/{published}/update", "submit", title="")

    assert response.status_code == 200
    assert revision_kinds(app, published) == ["autosave (pending)"]
    assert stored(app, published).content == "Read me."


# The publishing budget counts saves only


@pytest.fixture
def limited_writer(build_app):
    """An app with rate limits on, and Alice logged in there: (app, client, CSRF token)."""
    app = build_app(RATELIMIT_ENABLED=True)
    make_user(app, "alice")
    client = app.test_client()
    AuthActions(client, Forms(client)).login()
    return app, client, csrf_token_from(client.get("/post/new"))


def test_failed_forms_and_previews_do_not_use_the_publishing_budget(limited_writer):
    app, client, token = limited_writer
    for _ in range(NEW_POST_PER_MINUTE + 2):
        failed = client.post("/post/new", data={"title": "", "content": "x", "csrf_token": token})
        assert failed.status_code == 200
        preview = client.post("/post/preview", data={"content": "x", "csrf_token": token})
        assert preview.status_code == 200

    saves = [
        client.post(
            "/post/new", data={"title": f"P{n}", "content": "x", "csrf_token": token}
        ).status_code
        for n in range(NEW_POST_PER_MINUTE)
    ]

    assert saves == [302] * NEW_POST_PER_MINUTE
    assert post_count(app) == NEW_POST_PER_MINUTE


def test_over_the_limit_the_editor_comes_back_with_the_text_and_when_to_try(limited_writer):
    app, client, token = limited_writer
    for n in range(NEW_POST_PER_MINUTE):
        client.post("/post/new", data={"title": f"P{n}", "content": "x", "csrf_token": token})

    response = client.post(
        "/post/new",
        data={"title": "One more", "content": "Do *not* lose me.", "csrf_token": token},
    )

    assert response.status_code == 429
    text = page_text(response)
    assert re.search(r"Too many saves in a short time\. Please try again in \d+ seconds", text)
    assert "your text is still here, not yet saved." in text
    assert 'value="One more"' in response.text
    assert "Do *not* lose me.</textarea>" in text
    assert int(response.headers["Retry-After"]) > 0
    assert post_count(app) == NEW_POST_PER_MINUTE


def test_over_the_limit_an_edit_comes_back_to_the_same_posts_editor(limited_writer):
    app, client, token = limited_writer
    client.post("/post/new", data={"title": "Mine", "content": "x", "csrf_token": token})
    for n in range(EDIT_PER_MINUTE):
        client.post("/post/1/update", data={"title": f"E{n}", "content": "x", "csrf_token": token})

    response = client.post(
        "/post/1/update", data={"title": "Kept", "content": "Still here.", "csrf_token": token}
    )

    assert response.status_code == 429
    assert 'action="/post/1/update"' in response.text
    assert ("submit", "Update") in buttons(response)
    assert "Still here.</textarea>" in response.text
    assert stored(app, 1).title == f"E{EDIT_PER_MINUTE - 1}"


def test_a_restored_version_waiting_for_update_is_named_as_such(
    app, client, published, logged_in_alice
):
    with app.app_context():
        post = db.session.get(Post, published)
        author = db.session.get(User, logged_in_alice)
        revisions.save_pending(post, author, kind="restore", content="An older text.")
        db.session.commit()

    page = page_text(client.get(f"/post/{published}/update"))

    assert "An older text.</textarea>" in page
    assert "This is the version you restored, not yet published" in page
