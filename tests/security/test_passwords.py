"""Common passwords: the 10,000 that attackers try first are refused as new passwords, in
any case, wherever a password is chosen (registration, change, reset)."""

import pytest

from flaskblog.extensions import db
from flaskblog.models import User
from flaskblog.passwords import COMMON_PASSWORDS_FILE, common_passwords, is_common_password
from tests.helpers.factories import PASSWORD
from tests.helpers.pages import field_errors

COMMON = (
    "That password is one of the 10,000 most common passwords, which attackers try first. "
    "Please choose another one."
)
# From the list, at least 8 characters long (shorter ones fail on length first), in the
# cases people type them.
COMMON_ONES = [
    "password",
    "PASSWORD",
    "Password1",
    "12345678",
    "iloveyou",
    "Football",
    "qwertyuiop",
]
STRONG = "violet kettle drums at dawn"


def password_works(app, email: str, password: str) -> bool:
    with app.app_context():
        return User.authenticate(email, password) is not None


# The list


def test_the_list_holds_exactly_10000_lower_case_passwords_most_common_first():
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    passwords = [line for line in lines if not line.startswith("#")]

    assert len(passwords) == len(set(passwords)) == 10_000
    assert passwords[:4] == ["123456", "password", "12345678", "qwerty"]
    assert all(p and p == p.lower() == p.strip() for p in passwords)
    assert common_passwords() == frozenset(passwords)


def test_the_list_names_its_source_and_licence():
    header = [
        line
        for line in COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
        if line.startswith("#")
    ]
    text = "\n".join(header)

    assert "zxcvbn" in text
    assert "Licence: MIT" in text
    assert "tools/make_common_passwords.py" in text


def test_the_list_is_read_once_per_process():
    assert common_passwords() is common_passwords()
    assert common_passwords.cache_info().currsize == 1


@pytest.mark.parametrize("password", COMMON_ONES)
def test_common_passwords_are_recognised_in_any_case(password):
    assert is_common_password(password)


@pytest.mark.parametrize("password", [STRONG, PASSWORD, "password with more", " password"])
def test_other_passwords_are_not(password):
    assert not is_common_password(password)


# Where passwords are chosen


@pytest.mark.parametrize("password", COMMON_ONES)
def test_registration_refuses_a_common_password(app, auth, password):
    response = auth.register(password=password)

    assert response.status_code == 200
    assert field_errors(response, "password") == [COMMON]
    with app.app_context():
        assert User.by_username("alice") is None


def test_registration_accepts_a_password_off_the_list(app, auth):
    assert auth.register(password=STRONG).status_code == 302
    assert password_works(app, "alice@example.com", STRONG)


def test_a_short_common_password_is_told_only_that_it_is_too_short(auth):
    response = auth.register(password="123456")

    assert field_errors(response, "password") == [
        "Field must be between 8 and 128 characters long."
    ]


def test_password_change_refuses_a_common_password(app, auth, forms, make_user):
    make_user("alice")
    auth.login("alice@example.com")
    data = {"current_password": PASSWORD, "password": "Baseball", "confirm_password": "Baseball"}

    response = forms.submit("/account/password", data)

    assert response.status_code == 200
    assert field_errors(response, "password") == [COMMON]
    assert password_works(app, "alice@example.com", PASSWORD)
    assert not password_works(app, "alice@example.com", "Baseball")


def test_password_reset_refuses_a_common_password(app, forms, make_user):
    alice = make_user("alice")
    with app.app_context():
        token = db.session.get(User, alice).get_reset_token()
    data = {"password": "superman1", "confirm_password": "superman1"}

    response = forms.submit(f"/reset_password/{token}", data)

    assert response.status_code == 200
    assert field_errors(response, "password") == [COMMON]
    assert password_works(app, "alice@example.com", PASSWORD)
