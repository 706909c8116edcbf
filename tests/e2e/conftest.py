"""End-to-end fixtures: the app served over real HTTP, a real SMTP server catching its
mail, a plain HTTP visitor and a headless Chromium.

Here `app` is the live app, so the suite's `make_user` and `make_posts` fill the
database the server reads.
"""

import os
import re
import shutil
import threading
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.cookiejar import CookieJar

import pytest
from conftest import CSRF_TOKEN
from werkzeug.serving import make_server

FLASH = re.compile(r'<p class="flash[^"]*"[^>]*>(.*?)</p>', re.S)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# --- The live app -----------------------------------------------------------------------


@pytest.fixture
def app(build_app, mailbox):
    """The testing app, sending its mail over SMTP to `mailbox`.

    SQLite lives in a file, so the server's threads and the test share it.
    """
    return build_app(shared_sqlite=True, **mailbox.settings())


@dataclass
class LiveServer:
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


@pytest.fixture
def server(app):
    """`app` served over HTTP by werkzeug in a background thread, on a free port.

    SERVER_NAME names this server, so links in emails point at it.
    """
    http = make_server("127.0.0.1", 0, app, threaded=True)
    live = LiveServer("127.0.0.1", http.server_port)
    app.config["SERVER_NAME"] = f"{live.host}:{live.port}"
    # A short poll interval makes shutdown() quick.
    thread = threading.Thread(target=http.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield live
    http.shutdown()
    thread.join(timeout=5)
    http.server_close()


# --- A visitor speaking plain HTTP ------------------------------------------------------


@dataclass
class Page:
    """A response after redirects: where it ended up and what it said."""

    status: int
    url: str
    text: str

    @property
    def path(self) -> str:
        return urllib.parse.urlsplit(self.url).path

    @property
    def flashes(self) -> list[str]:
        return [message.strip() for message in FLASH.findall(self.text)]

    @property
    def csrf_token(self) -> str:
        match = CSRF_TOKEN.search(self.text)
        assert match, f"no CSRF token on {self.url}"
        return match.group(1)


class Visitor:
    """Someone with a cookie jar, talking HTTP to the live server (urllib, no test client)."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def _open(self, url: str, data: dict | None = None) -> Page:
        body = None if data is None else urllib.parse.urlencode(data).encode()
        address = urllib.parse.urljoin(self.base_url, url)
        assert address.startswith(self.base_url), f"{address} is not on the live server"
        request = urllib.request.Request(address, data=body)  # noqa: S310 (checked just above)
        try:
            with self.opener.open(request, timeout=10) as response:
                return Page(response.status, response.url, response.read().decode())
        except urllib.error.HTTPError as error:
            with error:
                return Page(error.code, error.url, error.read().decode())

    def get(self, url: str) -> Page:
        return self._open(url)

    def submit(self, url: str, data: dict, *, page: Page | None = None) -> Page:
        """Fill in the form at `url` (or on the `page` already open) and send it."""
        token = (page or self.get(url)).csrf_token
        return self._open(url, {**data, "csrf_token": token})


@pytest.fixture
def visitor(server):
    return Visitor(server.url)


@pytest.fixture
def new_visitor(server):
    """Make more visitors, each with their own cookies."""
    return lambda: Visitor(server.url)


# --- Chromium ---------------------------------------------------------------------------


def running_in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


@pytest.fixture(scope="module")
def chromium():
    """A headless Chromium, the system's own (never downloaded), shared by a module's tests.

    Without one the browser tests skip, except in CI, where they must run.
    """
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    if not path:
        reason = "Chromium not found: install it (`make browser`) or set CHROMIUM_PATH"
        if running_in_ci():
            pytest.fail(f"{reason}; CI must run the browser tests", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class PageWatch:
    """What went wrong while pages were open: console output, failed or outside requests."""

    origin: str
    requested: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)

    def watch(self, context) -> None:
        context.on("console", self._console)
        context.on("weberror", lambda error: self.console.append(f"error: {error.error}"))
        context.on("request", self._request)
        context.on("requestfailed", self._request_failed)
        context.on("response", self._response)

    def _console(self, message) -> None:
        # "verbose" is Chromium's own advice (DevTools hides it by default), not the page's.
        if message.type != "verbose":
            self.console.append(f"{message.type}: {message.text}")

    def _request(self, request) -> None:
        self.requested.append(request.url)
        parts = urllib.parse.urlsplit(request.url)
        if f"{parts.scheme}://{parts.netloc}" != self.origin:
            self.foreign.append(request.url)

    def _request_failed(self, request) -> None:
        # ERR_ABORTED is the browser dropping a request because the page moved on
        # (a favicon still loading when the next page opens), not a failure.
        if request.failure != "net::ERR_ABORTED":
            self.failed.append(f"{request.url}: {request.failure}")

    def _response(self, response) -> None:
        if response.status >= 400:
            self.failed.append(f"{response.url}: HTTP {response.status}")

    @property
    def problems(self) -> list[str]:
        return [*self.console, *self.failed, *(f"outside request: {u}" for u in self.foreign)]


@pytest.fixture
def browser_watch(server):
    """What the browser saw go wrong during the test."""
    return PageWatch(server.url)


@pytest.fixture
def open_browser(chromium, server, browser_watch):
    """`open_browser(**context_options)` gives a fresh page on the live server (own cookies).

    Every page opened this way must log nothing to the console, have no failed requests
    and ask nothing of any other host.
    """
    contexts, watch = [], browser_watch

    def open_page(**options):
        context = chromium.new_context(base_url=server.url, **options)
        context.set_default_timeout(5_000)
        watch.watch(context)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()
    assert watch.problems == [], "the browser saw problems"


@pytest.fixture
def page(open_browser):
    """A desktop-sized page on the live server."""
    return open_browser(viewport={"width": 1280, "height": 800})
