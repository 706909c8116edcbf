"""The site stays up while one worker is busy: served by gunicorn as in production (two sync
workers, gunicorn.conf.py), with one worker held by a large profile picture still arriving,
/health and the home page are answered by the other one."""

import io
import os
import socket
import time
import urllib.request
import uuid

from PIL import Image

from tests.helpers import factories
from tests.helpers.live import Visitor, gunicorn
from tests.helpers.pages import csrf_token_in

# Generous: the machine running the suite may be busy; a stalled site takes 30 s or more.
ANSWER_WITHIN_S = 5.0
HOLD_S = 3.0  # how long the test keeps the worker busy while asking for other pages


def noise_png(side: int) -> bytes:
    """A PNG that does not compress: random pixels, about 3 x side x side bytes."""
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(3 * side * side)).save(out, "PNG")
    return out.getvalue()


def picture_upload(visitor: Visitor, picture: bytes) -> bytes:
    """The raw HTTP request of the account form sent back with a new profile picture."""
    token = csrf_token_in(visitor.get("/account").text)
    boundary = uuid.uuid4().hex
    fields = {"csrf_token": token, "username": "alice", "email": "alice@example.com"}
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    )
    body += (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="picture"; filename="me.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        + picture
        + f"\r\n--{boundary}--\r\n".encode()
    )
    head = (
        f"POST /account HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {visitor.cookie_header}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


def seconds_to_answer(url: str) -> float:
    started = time.perf_counter()
    with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310  (loopback)
        assert response.status == 200
        response.read()
    return time.perf_counter() - started


def test_health_and_home_page_answer_while_a_worker_is_held_by_an_upload(build_app, tmp_path):
    app = build_app(shared_sqlite=True)
    alice = factories.make_user(app, "alice")
    factories.add_posts(app, alice, count=3)
    environment = {
        "FLASK_CONFIG": "development",  # plain http on loopback; production's cookies are Secure
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": uuid.uuid4().hex,
        "RATELIMIT_ENABLED": "true",
        "RATELIMIT_STORAGE_URI": "memory://",
    }

    with gunicorn(environment, tmp_path / "gunicorn.log", workers=2) as site:
        visitor = Visitor(site.url)
        page = visitor.submit(
            "/login", {"email": "alice@example.com", "password": factories.PASSWORD}
        )
        assert page.path == "/"
        upload = picture_upload(visitor, noise_png(700))
        with socket.create_connection((site.host, site.port), timeout=60) as held:
            # Headers and the first part of the body: the worker that took the connection
            # now waits for the rest, as it would for a big picture on a slow line.
            held.sendall(upload[: len(upload) // 4])
            waits = []
            until = time.monotonic() + HOLD_S
            while time.monotonic() < until:
                waits.append(seconds_to_answer(f"{site.url}/health"))
                waits.append(seconds_to_answer(f"{site.url}/"))
            held.settimeout(0.1)
            try:
                early = held.recv(1)  # the upload has not been answered: its worker is busy
            except TimeoutError:
                early = b""
            held.settimeout(60)
            held.sendall(upload[len(upload) // 4 :])
            answer = held.recv(64)

    assert early == b""
    assert answer.startswith(b"HTTP/1.1 302")  # the picture was taken: the worker was on it
    assert len(waits) >= 2
    assert max(waits) < ANSWER_WITHIN_S, waits
