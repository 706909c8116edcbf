"""Inbox flooding through the site: however many accounts, addresses and forms an attacker
uses, one address gets at most 3 emails an hour from the site (flaskblog.email), the pages
answer as they would have, and each email held back is in the security log."""

import json
import logging

import pytest

from flaskblog.extensions import mail
from tests.helpers.factories import PASSWORD, make_user
from tests.helpers.pages import AuthActions, Forms, flashes
from tests.helpers.services import REDIS_URL

VICTIM = "victim@example.com"


def limits_on(redis_prefix: str | None = None) -> dict:
    """Settings that switch the rate limits on, in memory or (given a prefix) in Redis."""
    if redis_prefix is None:
        return {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"}
    return {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_STORAGE_OPTIONS": {"key_prefix": redis_prefix},
    }


@pytest.fixture
def app(build_app):
    return build_app(**limits_on())


def as_throwaway_account(app, n: int) -> Forms:
    """A browser logged in to a fresh account of its own, from an address of its own."""
    make_user(app, f"spammer{n}")
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"198.51.100.{n + 1}"
    forms = Forms(client)
    AuthActions(client, forms).login(f"spammer{n}@example.com")
    return forms


def ask_to_move_to(forms: Forms, n: int, address: str):
    data = {"username": f"spammer{n}", "email": address, "current_password": PASSWORD}
    return forms.submit("/account", data, follow_redirects=True)


def received_by(outbox, address: str) -> int:
    return sum(address in message.recipients for message in outbox)


def test_throwaway_accounts_naming_an_owners_address_send_the_owner_at_most_3_emails(app):
    make_user(app, "victim")
    with mail.record_messages() as outbox:
        pages = [ask_to_move_to(as_throwaway_account(app, n), n, VICTIM) for n in range(8)]

    assert received_by(outbox, VICTIM) == 3  # "someone tried to use your address"
    # Every attempt was answered alike, so the page tells nothing of the limit (or the owner).
    assert {page.status_code for page in pages} == {200}
    assert len({str(flashes(page)).replace(f"spammer{n}", "") for n, page in enumerate(pages)}) == 1


def test_throwaway_accounts_naming_a_new_address_send_it_at_most_3_emails(app):
    with mail.record_messages() as outbox:
        for n in range(8):
            ask_to_move_to(as_throwaway_account(app, n), n, "Victim@Example.com ")

    assert received_by(outbox, VICTIM) == 3  # "confirm your new address"


def test_every_form_that_mails_an_address_spends_one_budget(app):
    make_user(app, "victim")
    with mail.record_messages() as outbox:
        for n in range(2):
            client = app.test_client()
            client.environ_base["REMOTE_ADDR"] = f"203.0.113.{n + 1}"
            forms = Forms(client)
            AuthActions(client, forms).register(f"newbie{n}", VICTIM)  # address taken
            forms.submit("/reset_password", {"email": VICTIM})
        ask_to_move_to(as_throwaway_account(app, 0), 0, VICTIM)

    assert received_by(outbox, VICTIM) == 3


def test_mail_held_back_is_logged_without_the_address(app, caplog):
    make_user(app, "victim")
    caplog.set_level(logging.INFO, logger="flaskblog.security")
    for n in range(4):
        ask_to_move_to(as_throwaway_account(app, n), n, VICTIM)

    held = [
        json.loads(record.getMessage())
        for record in caplog.records
        if "mail_not_sent_recipient_limit" in record.getMessage()
    ]
    assert len(held) == 1
    assert held[0]["about"] == "address taken"
    assert VICTIM not in caplog.text


def test_the_limit_is_shared_by_every_worker_through_redis(build_app, redis_prefix):
    first = build_app(**limits_on(redis_prefix))
    second = build_app(**limits_on(redis_prefix))  # another worker, the same Redis
    with mail.record_messages() as outbox:
        for n in range(3):
            ask_to_move_to(as_throwaway_account(first, n), n, VICTIM)
        for n in range(3, 6):
            ask_to_move_to(as_throwaway_account(second, n), n, VICTIM)

    assert received_by(outbox, VICTIM) == 3
