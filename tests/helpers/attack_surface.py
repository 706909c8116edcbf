"""The app's attack surface for the security tests: every route in the URL map, who may
use it, a URL for it that reaches real rows, and a snapshot of the whole database.

The tests walk the URL map rather than a hand-made list, so a route added later is
attacked too; a route that `ACCESS` does not classify fails the suite until someone
decides who may use it.
"""

from dataclasses import dataclass

import pytest
from werkzeug.routing import Rule

from config import TestingConfig
from flaskblog import create_app
from flaskblog.extensions import db
from flaskblog.models import Comment, Post, Tag, User, UserSession, utcnow
from flaskblog.revisions import record
from tests.helpers.factories import PASSWORD
from tests.helpers.pages import CSRF_TOKEN

# Who may use each endpoint.
PUBLIC = "anyone"
VISITOR = "visitors who are not logged in (logged-in users are sent home)"
USER = "any logged-in user, on their own account only"
OWNER = "the author of the post or comment, or an admin"
ADMIN = "admins only"
# The JSON API (/api/v1) never looks at the session cookie: a bearer token or nothing.
API_CREDENTIALS = "API: anyone, with an email address and password (HTTP Basic)"
API_TOKEN = "API: anyone with a bearer token, acting as its owner"
API_OWNER = "API: with a bearer token, the post's author or an admin"
API_AUTHOR = "API: with a bearer token, the post's author only (anyone else: 404)"
# /metrics: the scraper holding METRICS_TOKEN, or one of METRICS_ALLOW_FROM's addresses;
# nobody at all (404) when neither is set, as in the tests' default settings.
SCRAPER = "the metrics scraper (METRICS_TOKEN or METRICS_ALLOW_FROM), else nobody"

ACCESS = {
    "static": PUBLIC,
    "main.home": PUBLIC,
    "main.about": PUBLIC,
    "posts.post": PUBLIC,
    "posts.tag": PUBLIC,
    "posts.tags": PUBLIC,
    "search.search": PUBLIC,
    "feeds.site": PUBLIC,
    "feeds.user": PUBLIC,
    "feeds.tag": PUBLIC,
    "feeds.sitemap": PUBLIC,
    "feeds.sitemap_posts": PUBLIC,
    "feeds.sitemap_authors": PUBLIC,
    "feeds.robots": PUBLIC,
    # Liveness and readiness probes for load balancers: JSON, no session, no rate limit.
    "health.live": PUBLIC,
    "health.ready": PUBLIC,
    "metrics.metrics": SCRAPER,
    "users.user_posts": PUBLIC,
    "users.avatar": PUBLIC,
    # Images in posts: public at a URL naming their content, as the posts that show them.
    "uploads.image": PUBLIC,
    # The link in a confirmation email: whoever holds it may use it, logged in or not.
    "auth.confirm_email": PUBLIC,
    # The unsubscribe link in a digest email: the same, and it can only turn a digest off.
    "digest.unsubscribe": PUBLIC,
    # A new link by address for visitors (the same answer whoever has an account), or for
    # the logged-in user's own address.
    "auth.resend_confirmation": PUBLIC,
    "auth.logout": PUBLIC,
    "auth.login": VISITOR,
    # The code after a correct password (two-factor login): no login exists yet.
    "auth.login_second_factor": VISITOR,
    "auth.register": VISITOR,
    "auth.reset_request": VISITOR,
    "auth.reset_token": VISITOR,
    "account.account": USER,
    "account.theme": USER,
    "account.change_password": USER,
    "account.delete_account": USER,
    "account.two_factor": USER,
    "account.new_recovery_codes": USER,
    "account.disable_two_factor": USER,
    "account.export_account": USER,
    "account.export_zip_download": USER,
    # Imports into the user's own account; a job's page is its owner's alone (others: 404).
    "account.import_posts": USER,
    "account.import_job": USER,
    "account.sessions": USER,
    "account.end_session": USER,
    "account.end_other_sessions": USER,
    "account.end_api_token": USER,
    # Passkeys: the user's own (someone else's id is answered as not on the account).
    "passkeys.passkeys": USER,
    "passkeys.registration_options": USER,
    "passkeys.rename_passkey": USER,
    "passkeys.remove_passkey": USER,
    # Logging in with a passkey: the options, then the browser's answer.
    "passkeys.login_options": VISITOR,
    "passkeys.login": VISITOR,
    "posts.new_post": USER,
    "posts.preview": USER,
    "uploads.upload_image": USER,
    "posts.autosave": USER,
    "posts.drafts": USER,
    "posts.create_comment": USER,
    "posts.update_post": OWNER,
    "posts.delete_post": OWNER,
    "posts.delete_comment": OWNER,
    # A post's history: its author's, and admins' once it is published (as editing).
    "history.revisions_list": OWNER,
    "history.revision": OWNER,
    "history.restore": OWNER,
    # Reports: any confirmed reader of a public post or comment, once per item.
    "moderation.report_post": USER,
    "moderation.report_comment": USER,
    # Hiding a comment: the post's author or an admin (not the comment's author).
    "moderation.hide_comment": OWNER,
    "moderation.unhide_comment": OWNER,
    "moderation.reports": ADMIN,
    # Following writers and bookmarks: the reader's own follows and bookmarks; the lists
    # of followers and followed are public, as the profile's counts are.
    "follows.follow": USER,
    "follows.unfollow": USER,
    "follows.followers": PUBLIC,
    "follows.following_list": PUBLIC,
    "follows.following": USER,
    "follows.bookmark": USER,
    "follows.unbookmark": USER,
    "follows.bookmarks": USER,
    # Notifications and their settings: the reader's own.
    "notifications.notifications": USER,
    "notifications.settings": USER,
    # Blocking and private messages: the reader's own blocks and conversations only (the
    # username in the URL names the other reader, never whose data is read).
    "blocks.block": USER,
    "blocks.unblock": USER,
    "blocks.blocked": USER,
    "messages.conversations": USER,
    "messages.conversation": USER,
    "users.disable_user": ADMIN,
    "users.enable_user": ADMIN,
    # The admin console (a visitor is asked to log in; any other user gets a 403).
    "admin.dashboard": ADMIN,
    "admin.users": ADMIN,
    "admin.disable_user": ADMIN,
    "admin.enable_user": ADMIN,
    "admin.promote_user": ADMIN,
    "admin.demote_user": ADMIN,
    "admin.reset_two_factor": ADMIN,
    "api.list_posts": PUBLIC,
    "api.get_post": PUBLIC,  # a draft for its author's token only
    "api.get_user": PUBLIC,
    "api.list_user_posts": PUBLIC,
    "api-docs.openapi_json": PUBLIC,
    "api_docs": PUBLIC,
    "api.create_token": API_CREDENTIALS,
    "api.revoke_token": API_TOKEN,
    "api.me": API_TOKEN,
    "api.my_following": API_TOKEN,
    "api.my_feed": API_TOKEN,
    "api.my_notifications": API_TOKEN,
    "api.create_post": API_TOKEN,
    "api.upload_image": API_TOKEN,
    "api.update_post": API_OWNER,
    "api.delete_post": API_OWNER,
    # A post's history through the API: its author's token only (others get a 404).
    "api.list_revisions": API_AUTHOR,
    "api.get_revision": API_AUTHOR,
}
API_LEVELS = (API_CREDENTIALS, API_TOKEN, API_OWNER, API_AUTHOR)

NEEDS_LOGIN = (USER, OWNER, ADMIN)
UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

# The URL map as the app builds it; no database is touched to read it.
URL_MAP = create_app(TestingConfig()).url_map


def all_rules() -> list[Rule]:
    """Every rule of the app, in a stable order."""
    return sorted(URL_MAP.iter_rules(), key=lambda rule: (rule.rule, rule.endpoint))


def methods_of(rule: Rule) -> list[str]:
    """The methods a rule answers, without the ones Werkzeug adds (HEAD, OPTIONS)."""
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def rule_id(rule: Rule, method: str | None = None) -> str:
    return f"{method} {rule.rule}" if method else rule.rule


@dataclass
class World:
    """Rows the routes' arguments point at.

    alice wrote a published post (tagged "news", with a comment by bob and one of her
    own) and a draft; bob is another user; ada is an admin.
    """

    alice: int
    bob: int
    ada: int
    post_id: int
    slug: str
    draft_id: int
    comment_id: int
    alice_comment_id: int
    revision_id: int
    reset_token: str
    confirm_token: str
    unsubscribe_token: str
    ada_other_session: str = ""
    tag: str = "news"


def make_world(app) -> World:
    """Fill the database with the rows of a `World`."""
    with app.app_context():
        alice, bob, ada = (
            User(username=name, email=f"{name}@example.com", confirmed_at=utcnow())
            for name in ("alice", "bob", "ada")
        )
        ada.is_admin = True
        for user in (alice, bob, ada):
            user.set_password(PASSWORD)
        post = Post(
            title="A published post", content="Words.", author=alice, tags=Tag.named(["news"])
        )
        draft = Post(title="A draft", content="Not yet.", author=alice, is_published=False)
        comment = Comment(body="A comment by bob.", post=post, author=bob)
        own_comment = Comment(body="A reply by alice.", post=post, author=alice)
        db.session.add_all([alice, bob, ada, post, draft, comment, own_comment])
        db.session.flush()
        revision = record(post, alice, "publish")
        db.session.commit()
        return World(
            alice=alice.id,
            bob=bob.id,
            ada=ada.id,
            post_id=post.id,
            slug=post.slug,
            draft_id=draft.id,
            comment_id=comment.id,
            alice_comment_id=own_comment.id,
            revision_id=revision.id,
            reset_token=alice.get_reset_token(),
            confirm_token=alice.get_email_token(),
            unsubscribe_token=alice.get_unsubscribe_token("daily"),
        )


def log_in(client, email: str, user_agent: str = "pytest") -> None:
    """Log in through the real login page."""
    headers = {"User-Agent": user_agent}
    token = csrf_token(client, "/login")
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token}, headers=headers
    )
    assert response.status_code == 302, f"{email} could not log in"


def log_in_elsewhere(app, world: World, email: str) -> str:
    """Log the user in from a second device; returns that login's handle."""
    log_in(app.test_client(), email, user_agent="Second device")
    with app.app_context():
        login = db.session.scalar(
            db.select(UserSession).where(UserSession.user_agent == "Second device")
        )
        return login.handle


def csrf_token(client, url: str = "/login") -> str:
    """A valid CSRF token for this client's session, read from a page's form."""
    match = CSRF_TOKEN.search(client.get(url).get_data(as_text=True))
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def sample_url(rule: Rule, world: World, **overrides) -> str:
    """A URL for `rule` whose arguments name the world's rows (or `overrides`)."""
    tokens = {
        "auth.confirm_email": world.confirm_token,
        "auth.reset_token": world.reset_token,
        "digest.unsubscribe": world.unsubscribe_token,
    }
    known = {
        "post_id": world.post_id,
        "slug": world.slug,
        "comment_id": world.comment_id,
        "user_id": world.alice,
        "digest": "0" * 16,
        "username": "bob",
        "tag": world.tag,
        "filename": "css/main.css",
        "handle": world.ada_other_session or "0" * 16,
        "part": 1,
        "image_id": 1,
        "extension": "webp",
        "revision_id": world.revision_id,
        "passkey_id": 1,
        "job": "0" * 32,
    }
    if rule.endpoint in tokens:
        known["token"] = tokens[rule.endpoint]
    known.update(overrides)
    unknown = rule.arguments - known.keys()
    if unknown:
        pytest.fail(
            f"{rule.rule} takes {sorted(unknown)}: teach sample_url() in "
            "tests/helpers/attack_surface.py what to put there"
        )
    return rule.build({name: known[name] for name in rule.arguments}, append_unknown=False)[1]


def database_snapshot(app) -> dict[str, list[tuple]]:
    """Every row of every table the models know, in a stable order."""
    with app.app_context():
        return {
            table.name: sorted((tuple(row) for row in db.session.execute(table.select())), key=repr)
            for table in db.metadata.sorted_tables
        }
