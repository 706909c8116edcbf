"""Denial of service by a large form: an urlencoded body is decoded all at once, at some 70
bytes of memory for every "%XX" in it. Under the request limit alone (5 MB, for pictures)
one anonymous POST cost a worker some 400 MB; forms now get what the largest real one needs,
and more is a 413 before anything reads them."""

import tracemalloc

from flaskblog import FORM_BODY_LIMIT
from flaskblog.extensions import db
from flaskblog.models import Post
from tests.helpers.pages import page_text


def test_a_form_body_over_the_forms_limit_is_a_413_before_it_is_decoded(client):
    body = "email=a%40example.com&password=" + "%5B" * (FORM_BODY_LIMIT // 3 + 1)

    tracemalloc.start()
    try:
        response = client.post(
            "/login", data=body, content_type="application/x-www-form-urlencoded"
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert response.status_code == 413
    assert "A post may be at most 50,000 characters." in page_text(response)
    assert peak < 20 * 2**20, f"{peak / 2**20:.0f} MiB"  # decoding it took 50 MiB and more


def test_the_largest_post_a_browser_sends_still_fits(app, forms, logged_in_alice):
    # Every character 4 bytes in UTF-8, 12 once percent-encoded: 600 KB of form.
    content = "\U0001f600" * Post.CONTENT_LENGTH

    response = forms.submit(
        "/post/new", {"title": "Smiles", "content": content, "tags": "", "submit": "Publish"}
    )

    assert response.status_code == 302, page_text(response)
    with app.app_context():
        assert db.session.scalar(db.select(Post.content)) == content
