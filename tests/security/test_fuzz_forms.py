"""Fuzzing the HTML forms: whatever a client puts in a form's body (any Unicode, control
characters, NUL, lone surrogates and bytes that are not UTF-8, huge or empty values, values
that look like other types, fields missing, repeated or sent as files), the answer is never
a 500, and a refused form leaves the database as it was: nothing half-saved.

Every form is sent with a valid CSRF token, so that the fields themselves are what is
tested. The seeds that found bugs are kept as @example cases.
"""

import secrets
import urllib.parse
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from flaskblog.extensions import db
from tests.helpers.factories import PASSWORD
from tests.helpers.pages import csrf_token_from, field_errors


@dataclass(frozen=True)
class Form:
    name: str
    page: str  # where the form is shown (its CSRF token comes from there)
    action: str  # {post}: Alice's post
    fields: tuple[str, ...]
    logged_in: bool = False


FORMS = [
    Form("register", "/register", "/register", ("username", "email", "password", "confirm")),
    Form("login", "/login", "/login", ("email", "password", "remember")),
    Form("reset request", "/reset_password", "/reset_password", ("email",)),
    Form(
        "account",
        "/account",
        "/account",
        ("username", "email", "current_password", "picture"),
        True,
    ),
    Form(
        "new post",
        "/post/new",
        "/post/new",
        ("title", "content", "tags", "submit", "save_draft"),
        True,
    ),
    Form(
        "edit post",
        "/post/{post}/update",
        "/post/{post}/update",
        ("title", "content", "tags", "post_id", "submit"),
        True,
    ),
    Form(
        "preview",
        "/post/new",
        "/post/preview",
        ("title", "content", "tags", "post_id", "preview"),
        True,
    ),
    Form("comment", "/post/{post}", "/post/{post}/comment", ("body",), True),
]
FIELD_NAMES = sorted({name for form in FORMS for name in form.fields})

# Values a real user would send, so that some submissions get past the first validator.
PLAUSIBLE = [
    b"alice",
    b"alice@example.com",
    b"bob@example.com",
    PASSWORD.encode(),
    b"A title",
    b"Some *Markdown* text.",
    b"flask, python",
    b"y",
    b"1",
]
# Every field filled in as a user would (PostgreSQL refuses NUL in text: it must not get there).
PLAUSIBLE_FORM = {
    "username": [b"carol"],
    "email": [b"carol@example.com"],
    "password": [PASSWORD.encode()],
    "confirm": [PASSWORD.encode()],
    "current_password": [PASSWORD.encode()],
    "title": [b"A title"],
    "content": [b"Some text."],
    "tags": [b"flask"],
    "submit": [b"Publish"],
    "body": [b"A comment."],
}
# What other types look like once they are text.
OTHER_TYPES = [
    b"[]",
    b"{}",
    b"null",
    b"true",
    b"-1",
    b"1e308",
    b"NaN",
    b"0x10",
    b"99999999999999999999",
]

# A lone surrogate is not encodable as UTF-8: a client can still send its (invalid) bytes.
surrogates = st.characters(categories=["Cs"]).map(lambda c: c.encode("utf-8", "surrogatepass"))
huge = st.tuples(
    # Not "[": Markdown's own cost has its own tests; here it would only make them slow.
    st.sampled_from([b"a", b"\xc3\xa9", b"\x00", b"@", b" ", b"\r\n", b"\xf0\x9f\x98\x80"]),
    st.integers(1_000, 120_000),
).map(lambda pair: pair[0] * pair[1])
values = st.one_of(
    st.text().map(str.encode),  # any Unicode, control characters and NUL included
    st.binary(max_size=40),  # not UTF-8
    surrogates,
    st.sampled_from(PLAUSIBLE),
    st.sampled_from(OTHER_TYPES),
    st.just(b""),
    huge,
)
# Each field: absent, once (most often) or twice; sometimes a field is sent as a file.
submissions = st.fixed_dictionaries(
    {name: st.lists(values, min_size=0, max_size=2) for name in FIELD_NAMES}
)
as_file = st.one_of(st.none(), st.sampled_from(FIELD_NAMES))


def form_body(token: str, fields: dict[str, list[bytes]]) -> bytes:
    """An application/x-www-form-urlencoded body, bytes percent-encoded as they are."""
    pairs = [("csrf_token", token.encode())] + [
        (name, value) for name, sent in fields.items() for value in sent
    ]
    return "&".join(
        f"{urllib.parse.quote_from_bytes(name.encode())}={urllib.parse.quote_from_bytes(value)}"
        for name, value in pairs
    ).encode()


def multipart_body(
    token: str, fields: dict[str, list[bytes]], file_field: str
) -> tuple[bytes, str]:
    """A multipart/form-data body in which `file_field` is sent as a file, the rest as text."""
    boundary = secrets.token_hex(12)
    parts = [(b"csrf_token", token.encode(), False)] + [
        (name.encode(), value, name == file_field)
        for name, sent in fields.items()
        for value in sent
    ]
    body = b""
    for name, value, is_file in parts:
        disposition = b'form-data; name="' + name + b'"'
        if is_file:
            disposition += b'; filename="upload.bin"\r\nContent-Type: application/octet-stream'
        body += b"--" + boundary.encode() + b"\r\nContent-Disposition: " + disposition
        body += b"\r\n\r\n" + value + b"\r\n"
    body += b"--" + boundary.encode() + b"--\r\n"
    return body, f"multipart/form-data; boundary={boundary}"


def database_state(app) -> dict[str, list]:
    """Every table's rows, sorted (sessions: how many, as each request touches its own)."""
    state = {}
    with app.app_context():
        for table in db.metadata.sorted_tables:
            if table.name == "sessions":
                count = db.session.execute(text("SELECT count(*) FROM sessions")).scalar_one()
                state[table.name] = [count]
            else:
                rows = db.session.execute(table.select()).all()
                state[table.name] = sorted(map(repr, rows))
    return state


@pytest.fixture
def member(app, make_user, make_posts):
    """Alice, logged in, with a post that takes comments: (her browser, the post's id)."""
    alice = make_user("alice")
    (post,) = make_posts(alice, 1)
    client = app.test_client()
    token = csrf_token_from(client.get("/login"))
    answer = client.post(
        "/login", data={"email": "alice@example.com", "password": PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 302
    make_user("bob")  # someone else, whose name and address are taken
    return client, post


def send(app, member, form: Form, fields: dict, file_field: str | None):
    """Submit `form` with these fields (a fresh visitor for the forms of visitors)."""
    browser, post = member
    client = browser if form.logged_in else app.test_client()
    token = csrf_token_from(client.get(form.page.format(post=post)))
    wanted = {name: sent for name, sent in fields.items() if name in form.fields}
    if file_field in form.fields:
        body, content_type = multipart_body(token, wanted, file_field)
    else:
        body, content_type = form_body(token, wanted), "application/x-www-form-urlencoded"
    return client.post(form.action.format(post=post), data=body, content_type=content_type)


@pytest.mark.parametrize("form", FORMS, ids=[form.name for form in FORMS])
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(fields=submissions, file_field=as_file)
@example(fields={name: [b"\x00"] for name in FIELD_NAMES}, file_field=None)
@example(
    fields={name: [b"A\x00title, with \x01 and \x7f"] for name in FIELD_NAMES}, file_field=None
)
@example(
    fields=PLAUSIBLE_FORM | {"title": [b"A \x00 title"], "body": [b"A \x00 comment"]},
    file_field=None,
)
@example(fields={name: [b"\xed\xa0\x80"] for name in FIELD_NAMES}, file_field=None)
@example(fields={name: [b"a", b"b"] for name in FIELD_NAMES}, file_field="title")
def test_a_fuzzed_form_is_never_a_500_and_a_refused_one_saves_nothing(
    app, member, form, fields, file_field
):
    before = database_state(app)

    response = send(app, member, form, fields, file_field)

    assert response.status_code < 500, response.get_data(as_text=True)[:2000]
    if response.status_code not in (301, 302, 303):
        # Refused (the form again with its errors, 400, 413...): nothing was written.
        assert database_state(app) == before


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


@pytest.mark.parametrize("form", FORMS, ids=[form.name for form in FORMS])
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(fields=st.fixed_dictionaries({}, optional={name: json_values for name in FIELD_NAMES}))
@example(fields={name: [1, 2] for name in FIELD_NAMES})
def test_a_form_sent_as_json_is_never_a_500_and_saves_nothing(app, member, form, fields):
    browser, post = member
    client = browser if form.logged_in else app.test_client()
    token = csrf_token_from(client.get(form.page.format(post=post)))
    before = database_state(app)

    response = client.post(
        form.action.format(post=post),
        json={**fields, "csrf_token": token},
        headers={"X-CSRFToken": token},
    )

    assert response.status_code < 500, response.get_data(as_text=True)[:2000]
    assert database_state(app) == before  # no browser sends a form as JSON: not taken as one


def test_a_file_sent_as_a_posts_title_is_a_missing_title_not_a_500(app, member):
    browser, _ = member
    token = csrf_token_from(browser.get("/post/new"))
    fields = {"title": [b"A title"], "content": [b"Some text."], "submit": [b"Publish"]}
    body, content_type = multipart_body(token, fields, file_field="title")
    before = database_state(app)

    response = browser.post("/post/new", data=body, content_type=content_type)

    assert response.status_code == 200
    assert field_errors(response, "title") == ["This field is required."]
    assert database_state(app) == before


def test_a_login_sent_as_json_with_numbers_is_not_a_form_and_not_a_500(app):
    client = app.test_client()
    token = csrf_token_from(client.get("/login"))

    response = client.post(
        "/login",
        json={"csrf_token": token, "email": 12345, "password": ["a", "b"]},
        headers={"X-CSRFToken": token},
    )

    assert response.status_code == 200
    assert field_errors(response, "email") == ["This field is required."]
