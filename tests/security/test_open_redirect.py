"""Open redirect: a link to this site's login page whose `next` sends the user, once
logged in, to another site (a look-alike that asks for the password again) or runs a
script. Whatever `next` holds, after a real login the browser stays on this site."""

import re
from urllib.parse import urljoin, urlsplit

import pytest

from tests.helpers.factories import PASSWORD

SITE = "flaskblog.test"
EVIL = "evil.example"

PAYLOADS = [
    f"https://{EVIL}/",
    f"http://{EVIL}",
    f"HTTPS://{EVIL}",
    f"//{EVIL}",
    f"///{EVIL}",
    f"////{EVIL}",
    f"/\\{EVIL}",
    f"\\\\{EVIL}",
    f"\\/{EVIL}",
    f"/\\/{EVIL}",
    f"/\t/{EVIL}",
    f"/\n/{EVIL}",
    f"/\r\n/{EVIL}",
    f"\t//{EVIL}",
    f" //{EVIL}",
    f"\x0b//{EVIL}",
    f"/\x0c/{EVIL}",
    f"/%09/{EVIL}",
    f"/%2F%2F{EVIL}",
    f"%2F%2F{EVIL}",
    f"%2f%2f{EVIL}",
    f"/%5C{EVIL}",
    f"%5C%5C{EVIL}",
    f"https:{EVIL}",
    f"http:/{EVIL}",
    f"http:\\\\{EVIL}",
    f"https:/\\{EVIL}",
    f"//{EVIL}@{SITE}",
    f"//{SITE}@{EVIL}",
    f"https://{SITE}@{EVIL}/",
    f"https://{SITE}.{EVIL}/",
    f"/@{EVIL}",
    "javascript:alert(1)",
    "JavaScript:alert(document.cookie)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript:msgbox(1)",
    # Look-alikes of "/" and ".", which some parsers fold into the real characters.
    f"\u2215\u2215{EVIL}",
    f"\uff0f\uff0f{EVIL}",
    f"/\uff0f{EVIL}",
    f"\u29f8\u29f8{EVIL}",
    "//evil\u3002example",
    "/\r\nSet-Cookie: planted=1",
    "/%0d%0aSet-Cookie:%20planted=1",
]


def as_a_browser_reads(location: str) -> tuple[str, str]:
    """(scheme, host) a browser would go to for this Location on a page of the site.

    Browsers drop tabs and newlines anywhere in a URL, trim spaces and control
    characters around it, and read backslashes as slashes.
    """
    cleaned = re.sub(r"[\t\n\r]", "", location).strip("\x00\x20" + "".join(map(chr, range(32))))
    cleaned = cleaned.replace("\\", "/")
    target = urlsplit(urljoin(f"http://{SITE}/login", cleaned))
    return target.scheme.lower(), (target.hostname or "").lower()


def log_in(client, forms, next_page: str):
    """Log in with `next_page` as the `next` of the login page's URL."""
    client.get("/login", query_string={"next": next_page})
    data = {"email": "alice@example.com", "password": PASSWORD}
    return forms.submit(
        "/login", data, page="/login", query_string={"next": next_page}, follow_redirects=False
    )


def test_the_browser_model_sees_other_sites():
    # The check is only as good as this model of a browser: it must see the real thing.
    assert as_a_browser_reads(f"/\t/{EVIL}") == ("http", EVIL)
    assert as_a_browser_reads(f"/\\{EVIL}") == ("http", EVIL)
    assert as_a_browser_reads("javascript:alert(1)")[0] == "javascript"
    assert as_a_browser_reads("/post/1") == ("http", SITE)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_login_never_sends_the_user_to_another_site(client, forms, alice, payload):
    response = log_in(client, forms, payload)

    assert response.status_code == 302
    location = response.headers["Location"]
    assert as_a_browser_reads(location) in (("http", SITE), ("https", SITE))
    assert not re.search(r"[\r\n]", location)
    assert "planted" not in str(response.headers.getlist("Set-Cookie"))
    assert client.get("/account").status_code == 200  # the login itself worked


@pytest.mark.parametrize("payload", PAYLOADS[:10])
def test_a_logged_in_user_opening_such_a_link_stays_on_the_site(client, forms, alice, payload):
    log_in(client, forms, "/")

    response = client.get("/login", query_string={"next": payload})

    assert response.status_code == 302
    assert response.headers["Location"] in ("/", "/home")


@pytest.mark.parametrize("next_page", ["/account", "/post/1/a-title?page=2", "/drafts#top"])
def test_a_path_on_this_site_is_where_the_login_goes(client, forms, alice, next_page):
    response = log_in(client, forms, next_page)

    assert response.status_code == 302
    assert response.headers["Location"] == next_page


def test_a_page_that_needs_a_login_is_reached_after_it(client, forms, alice):
    sent_to = client.get("/account").headers["Location"]

    response = forms.submit(sent_to, {"email": "alice@example.com", "password": PASSWORD})

    assert response.headers["Location"] == "/account"
