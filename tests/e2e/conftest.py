"""End-to-end fixtures: the app served over real HTTP, a real SMTP server catching its
mail, a plain HTTP visitor and a headless Chromium.

Here `app` is the live app, so the suite's `make_user` and `make_posts` fill the
database the server reads.
"""

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from tests.helpers.live import LiveServer, PageWatch, Visitor

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
