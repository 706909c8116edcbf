"""The app served over real HTTP, and what talks to it: gunicorn as production starts it, a
plain HTTP visitor, and a watch on what a headless Chromium saw go wrong."""

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path

from config import BASE_DIR
from tests.helpers.pages import csrf_token_in
from tests.helpers.services import free_port

FLASH = re.compile(r'<p class="flash[^"]*"[^>]*>(.*?)</p>', re.S)


@dataclass
class LiveServer:
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


@contextmanager
def gunicorn(environment: dict[str, str], log_path: Path, workers: int = 2) -> Iterator[LiveServer]:
    """gunicorn as the Procfile starts it (gunicorn.conf.py: sync workers, its timeouts) with
    `workers` workers on a free loopback port, once /health answers; stopped on the way out.

    `environment` is the app's (added to this process's own); its output goes to `log_path`.
    """
    port = free_port()
    env = {**os.environ, "FLASK_SKIP_DOTENV": "1", **environment, "WEB_CONCURRENCY": str(workers)}
    command = [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"]
    command += ["--bind", f"127.0.0.1:{port}", "run:app"]
    with log_path.open("w") as log:
        process = subprocess.Popen(  # noqa: S603  (our own interpreter, fixed arguments)
            command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    live = LiveServer("127.0.0.1", port)
    try:
        deadline = time.monotonic() + 60
        # One worker answering, and every worker done building the app (idle): a test that
        # occupies one worker must not find the other still starting.
        while not (_answers(f"{live.url}/health") and _idle_workers(process.pid) == workers):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn did not start:\n{log_path.read_text()}")
            time.sleep(0.2)
        yield live
    finally:
        process.send_signal(signal.SIGQUIT)  # at once: nothing in flight is worth waiting for
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _idle_workers(master: int) -> int:
    """How many of the gunicorn master's workers used no CPU over the last 0.3 s (Linux)."""

    def cpu_ticks() -> dict[int, int]:
        ticks = {}
        for entry in Path("/proc").iterdir():
            try:
                fields = (entry / "stat").read_text().rpartition(")")[2].split()
            except OSError:  # not a process, or gone
                continue
            if entry.name.isdigit() and int(fields[1]) == master:
                ticks[int(entry.name)] = int(fields[11]) + int(fields[12])  # utime + stime
        return ticks

    before = cpu_ticks()
    time.sleep(0.3)
    after = cpu_ticks()
    return sum(1 for pid, used in after.items() if before.get(pid) == used)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310  (loopback)
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


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
        token = csrf_token_in(self.text)
        assert token, f"no CSRF token on {self.url}"
        return token


class Visitor:
    """Someone with a cookie jar, talking HTTP to the live server (urllib, no test client)."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.cookies = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

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

    @property
    def cookie_header(self) -> str:
        """The Cookie header this visitor sends (for a request made by hand)."""
        return "; ".join(f"{cookie.name}={cookie.value}" for cookie in self.cookies)

    def get(self, url: str) -> Page:
        return self._open(url)

    def submit(self, url: str, data: dict, *, page: Page | None = None) -> Page:
        """Fill in the form at `url` (or on the `page` already open) and send it."""
        token = (page or self.get(url)).csrf_token
        return self._open(url, {**data, "csrf_token": token})


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
