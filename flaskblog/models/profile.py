"""What an account says about its owner and how they read: time zone, language, a few
words about themselves and a website.

A mixin of User, so that the accounts module keeps to logins, passwords and pictures.
"""

from functools import lru_cache
from typing import ClassVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

# The regions of the IANA database whose zones people live in: "Europe/Berlin" is offered,
# the old aliases ("US/Pacific", "EST5EDT", "Etc/GMT+5") are not.
ZONE_REGIONS = (
    "Africa",
    "America",
    "Antarctica",
    "Arctic",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
)
DEFAULT_TIMEZONE = "UTC"


@lru_cache(maxsize=1)
def timezone_names() -> tuple[str, ...]:
    """Every time zone an account may choose, "UTC" first, then the IANA names by name."""
    names = (name for name in available_timezones() if name.split("/")[0] in ZONE_REGIONS)
    return (DEFAULT_TIMEZONE, *sorted(names))


@lru_cache(maxsize=512)
def zone(name: str | None) -> ZoneInfo:
    """The time zone called `name`, or UTC for none or a name this machine does not know."""
    try:
        return ZoneInfo(name or DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def is_web_address(value: str) -> bool:
    """Whether `value` is an http or https address with a host (no javascript:, data:...)."""
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    spaced = any(character.isspace() for character in value)
    return parts.scheme in Profile.WEBSITE_SCHEMES and bool(parts.hostname) and not spaced


class Profile:
    """The columns of an account's profile and reading preferences, and their limits."""

    TIMEZONE_LENGTH = 64
    # The interface languages offered (code: name in that language), each with its
    # catalogue in flaskblog/translations (flaskblog.i18n).
    LANGUAGES: ClassVar[dict[str, str]] = {"en": "English", "de": "Deutsch", "es": "Español"}
    DEFAULT_LANGUAGE = "en"
    LANGUAGE_LENGTH = 8
    ABOUT_ME_LENGTH = 500
    WEBSITE_LENGTH = 300
    WEBSITE_SCHEMES = ("http", "https")

    timezone: Mapped[str] = mapped_column(
        String(TIMEZONE_LENGTH), default=DEFAULT_TIMEZONE, server_default=DEFAULT_TIMEZONE
    )
    language: Mapped[str] = mapped_column(
        String(LANGUAGE_LENGTH), default=DEFAULT_LANGUAGE, server_default=DEFAULT_LANGUAGE
    )
    # Plain text (escaped when shown, line breaks kept); None until the owner writes some.
    about_me: Mapped[str | None] = mapped_column(String(ABOUT_ME_LENGTH))
    website: Mapped[str | None] = mapped_column(String(WEBSITE_LENGTH))

    @property
    def zone(self) -> ZoneInfo:
        """The account's time zone (UTC if it names one this machine does not know)."""
        return zone(self.timezone)

    def set_profile(
        self, *, timezone: str, language: str, about_me: str | None, website: str | None
    ) -> None:
        """Take the profile a form has checked; empty text is stored as none."""
        self.timezone = timezone if timezone in timezone_names() else DEFAULT_TIMEZONE
        self.language = language if language in self.LANGUAGES else self.DEFAULT_LANGUAGE
        self.about_me = (about_me or "").strip()[: self.ABOUT_ME_LENGTH] or None
        self.website = (website or "").strip() or None
