"""The people of the moderation stories: alice wrote a post, bob commented under it, carol
reads it, ada is an admin; each can open a browser of their own."""

import pytest

from flaskblog.extensions import db
from flaskblog.models import Comment, Report
from tests.helpers.pages import AuthActions, Forms, page_text


class Reader:
    """One person's browser, logged in as them (or a visitor with no email)."""

    def __init__(self, app, email: str | None = None):
        self.client = app.test_client()
        self.forms = Forms(self.client)
        if email:
            assert AuthActions(self.client, self.forms).login(email).status_code == 302

    def page(self, url: str) -> str:
        return page_text(self.client.get(url))

    def send(self, url: str, data: dict | None = None, page: str = "/"):
        """POST `url` from `page`, with that page's CSRF token, as its form would."""
        return self.forms.submit(url, data or {}, page=page)


@pytest.fixture
def reader(app):
    """`reader("bob@example.com")`: a browser logged in as bob; `reader()`: a visitor."""
    return lambda email=None: Reader(app, email)


@pytest.fixture
def bob(make_user) -> int:
    return make_user("bob")


@pytest.fixture
def carol(make_user) -> int:
    return make_user("carol")


@pytest.fixture
def ada(make_user) -> int:
    """Ada, an admin; her id."""
    return make_user("ada", admin=True)


@pytest.fixture
def bobs_comment(app, alices_post, bob) -> int:
    """Bob's comment "Buy cheap watches" under alice's post; its id."""
    with app.app_context():
        comment = Comment(body="Buy cheap watches", post_id=alices_post, user_id=bob)
        db.session.add(comment)
        db.session.commit()
        return comment.id


def stored_reports(app) -> list[tuple]:
    """Every report as (reporter_id, post_id, comment_id, reason, details, resolution)."""
    with app.app_context():
        return [
            (r.reporter_id, r.post_id, r.comment_id, r.reason, r.details, r.resolution)
            for r in db.session.scalars(db.select(Report).order_by(Report.id))
        ]
