"""Refusing the passwords attackers try first: the 10,000 most common ones.

The list ships in `common-passwords.txt` beside this module; tools/make_common_passwords.py
made it from zxcvbn's ranked list (see its header for source and licence).
"""

from functools import lru_cache
from pathlib import Path

from flask_babel import gettext as _
from wtforms.validators import ValidationError

COMMON_PASSWORDS_FILE = Path(__file__).with_name("common-passwords.txt")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The listed passwords, in lower case; read from disk once per process."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def is_common_password(password: str) -> bool:
    """Whether `password` is on the list, whatever its case ("PassWord" is "password")."""
    return password.lower() in common_passwords()


def not_a_common_password(form, field) -> None:
    """WTForms validator for a new password; quiet while the field has other errors."""
    if field.data and not field.errors and is_common_password(field.data):
        raise ValidationError(
            _(
                "That password is one of the 10,000 most common passwords, which attackers "
                "try first. Please choose another one."
            )
        )
