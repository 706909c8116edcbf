"""Timing: a login with an unknown email costs the same bcrypt work as one with a wrong
password, so response times do not tell which addresses have accounts.

Wall-clock ratios are too noisy on a shared machine, so the tests count what dominates the
time instead: every bcrypt computation, with its cost factor, seen through a spy that
records each call to the real bcrypt and passes it on unchanged.
"""

import bcrypt
import pytest

from flaskblog.extensions import db
from flaskblog.models import User
from tests.helpers.factories import PASSWORD
from tests.helpers.pages import flashes


@pytest.fixture
def bcrypt_work(monkeypatch):
    """The bcrypt hashes computed so far, as (kind, cost factor): "check" when comparing
    against a stored hash, "new" when hashing with a fresh salt."""
    computed: list[tuple[str, int]] = []
    real_hashpw = bcrypt.hashpw

    def hashpw(password: bytes, salt: bytes) -> bytes:
        cost = int(salt.split(b"$")[2])
        computed.append(("check" if len(salt) == 60 else "new", cost))
        return real_hashpw(password, salt)

    monkeypatch.setattr(bcrypt, "hashpw", hashpw)
    return computed


@pytest.fixture(params=[4, 6], ids=["cost-4", "cost-6"])
def app(request, build_app):
    """The testing app at two bcrypt costs: the dummy hash must follow the configured one."""
    return build_app(BCRYPT_LOG_ROUNDS=request.param)


def log_in(forms, email: str, password: str):
    return forms.submit("/login", {"email": email, "password": password})


def test_unknown_email_costs_one_bcrypt_check_like_a_wrong_password(
    app, forms, make_user, bcrypt_work
):
    make_user("alice")
    cost = app.config["BCRYPT_LOG_ROUNDS"]
    log_in(forms, "warm-up@example.com", "anything")  # the dummy hash is made once per process
    bcrypt_work.clear()

    wrong_password = log_in(forms, "alice@example.com", "wrong password")
    work_for_wrong_password = list(bcrypt_work)
    bcrypt_work.clear()
    unknown_email = log_in(forms, "nobody@example.com", "wrong password")

    assert wrong_password.status_code == unknown_email.status_code == 200
    assert flashes(wrong_password) == flashes(unknown_email)  # the same answer...
    assert work_for_wrong_password == [("check", cost)]
    assert bcrypt_work == [("check", cost)]  # ...after the same work


def test_a_right_password_costs_the_same_single_check(app, forms, make_user, bcrypt_work):
    make_user("alice")
    bcrypt_work.clear()

    assert log_in(forms, "alice@example.com", PASSWORD).status_code == 302

    assert bcrypt_work == [("check", app.config["BCRYPT_LOG_ROUNDS"])]


def test_authenticate_checks_a_dummy_hash_at_the_site_cost_for_a_missing_user(app, bcrypt_work):
    with app.app_context():
        User.authenticate("warm-up@example.com", "anything")
        bcrypt_work.clear()

        assert User.authenticate("nobody@example.com", "whatever") is None
        assert db.session.scalar(db.select(User).limit(1)) is None

    assert bcrypt_work == [("check", app.config["BCRYPT_LOG_ROUNDS"])]
