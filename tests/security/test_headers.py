"""Security headers: every response tells the browser to run only this site's own code,
never to be framed, not to guess content types, to keep URLs to itself and to use no
device features; production adds HSTS. Pages carry nothing that the policy would block."""

from html.parser import HTMLParser

import pytest

import config
from flaskblog import create_app, urls
from flaskblog.extensions import db
from flaskblog.models import Post
from tests.helpers.pages import Forms

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}

TABLE_AND_CODE = """An image: ![chart](https://images.example.com/chart.png)

| Left | Centre | Right |
|:-----|:------:|------:|
| a    | b      | c     |

```python
print("hello")
```
"""


def policy(response) -> dict[str, list[str]]:
    """The Content-Security-Policy as {directive: [sources]}."""
    header = response.headers["Content-Security-Policy"]
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {name: sources for name, *sources in directives}


def assert_security_headers(response) -> None:
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, f"{name} on {response.request.path}"
    assert policy(response)["default-src"] == ["'self'"]
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in response.headers  # not outside production


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/", 200),
        ("/login", 200),
        ("/static/css/main.css", 200),
        ("/static/js/editor.js", 200),
        ("/feed.xml", 200),
        ("/sitemap.xml", 200),
        ("/robots.txt", 200),
        ("/no-such-page", 404),
        ("/account", 302),
        ("/logout", 405),
    ],
)
def test_every_kind_of_response_carries_the_security_headers(client, path, status):
    response = client.get(path)

    assert response.status_code == status
    assert_security_headers(response)


def test_refused_form_and_rate_limited_responses_carry_them_too(build_app):
    forms = Forms(
        build_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://").test_client()
    )
    csrf_refused = forms.client.post("/login", data={"email": "a@example.com", "password": "x"})
    for n in range(11):
        limited = forms.submit("/login", {"email": f"user{n}@example.com", "password": "x"})

    assert csrf_refused.status_code == 400
    assert limited.status_code == 429
    assert_security_headers(csrf_refused)
    assert_security_headers(limited)


def test_content_security_policy_allows_this_site_only_and_no_inline_code(client):
    directives = policy(client.get("/"))

    assert directives == {
        "default-src": ["'self'"],
        "img-src": ["'self'", "https:"],  # pictures that authors link in their posts
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    # Scripts and styles fall back to default-src: this site's files, nothing inline or eval'd.
    sources = {source for values in directives.values() for source in values}
    assert not sources & {"'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:"}


def test_permissions_policy_denies_every_device_feature(client):
    header = client.get("/").headers["Permissions-Policy"]
    features = dict(item.strip().split("=") for item in header.split(","))

    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "display-capture"):
        assert features[feature] == "()"
    assert set(features.values()) == {"()"}


def production_app():
    """The production configuration, with its secrets given and nothing left to chance."""
    settings = config.ProductionConfig()
    settings.SECRET_KEY = "production-test-secret"
    settings.SERVER_NAME = "blog.example.com"
    settings.SQLALCHEMY_DATABASE_URI = "sqlite://"
    settings.RATELIMIT_ENABLED = False
    settings.debug_requested = False
    return create_app(settings)


def test_production_tells_browsers_to_use_https_for_a_year():
    response = production_app().test_client().get("/about", base_url="https://blog.example.com")

    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert policy(response)["frame-ancestors"] == ["'none'"]


def test_development_and_testing_send_no_hsts(client):
    settings = config.DevelopmentConfig()
    settings.SQLALCHEMY_DATABASE_URI = "sqlite://"
    settings.RATELIMIT_ENABLED = False
    development = create_app(settings).test_client().get("/about")

    assert "Strict-Transport-Security" not in development.headers
    assert "Strict-Transport-Security" not in client.get("/about").headers


class InlineCode(HTMLParser):
    """Collects what a strict policy refuses: inline scripts and styles, event handlers,
    javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script" and not attributes.get("src"):
            self.found.append("inline <script>")
        if tag == "style":
            self.found.append("<style> element")
        for name, value in attrs:
            if name == "style" or name.startswith("on"):
                self.found.append(f'{name}="{value}" on <{tag}>')
            if name in ("href", "src", "action") and (value or "").lower().startswith("javas"):
                self.found.append(f"javascript: URL on <{tag}>")


def inline_code(response) -> list[str]:
    parser = InlineCode()
    parser.feed(response.get_data(as_text=True))
    return parser.found


def test_no_page_holds_code_the_policy_would_block(app, client, auth, forms, make_user, make_posts):
    alice = make_user("alice")
    [post_id] = make_posts(alice, content=TABLE_AND_CODE)
    with app.app_context():
        post_url = urls.post_url(db.session.get(Post, post_id))
    anonymous = ["/", "/about", "/login", "/register", "/reset_password", "/tags", post_url]
    logged_in = ["/account", "/post/new", f"/post/{post_id}/update", "/drafts", post_url]
    pages = [client.get(path) for path in anonymous]
    auth.login("alice@example.com")
    pages += [client.get(path) for path in logged_in]
    pages.append(forms.submit("/post/new", {"title": "", "content": ""}))  # form with errors
    pages.append(client.get("/no-such-page"))

    assert {page.status_code for page in pages} == {200, 404}
    for page in pages:
        assert inline_code(page) == [], page.request.path
    post_page = pages[len(anonymous) - 1].get_data(as_text=True)
    assert 'class="align-center"' in post_page  # Markdown's alignment, as a class
    assert '<img src="https://images.example.com/chart.png"' in post_page
