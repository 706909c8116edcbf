"""The app served over real HTTP, and what talks to it: a plain HTTP visitor, and a watch
on what a headless Chromium saw go wrong."""

import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.cookiejar import CookieJar

from tests.helpers.pages import csrf_token_in

FLASH = re.compile(r'<p class="flash[^"]*"[^>]*>(.*?)</p>', re.S)


@dataclass
class LiveServer:
    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


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
