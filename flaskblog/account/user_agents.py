"""Short names for the browsers behind the sessions page's logins ("Firefox on Linux")."""

import re

from flask_babel import gettext as _

# (name, pattern) in the order to try: Edge and Opera also say Chrome, Chrome also says Safari,
# iOS also says "Mac OS X" and Android also says Linux.
BROWSERS = (
    ("Edge", r"Edg(e|A|iOS)?/"),
    ("Opera", r"OPR/|Opera"),
    ("Samsung Internet", r"SamsungBrowser/"),
    ("Firefox", r"Firefox/|FxiOS/"),
    ("Chrome", r"Chrome/|CriOS/"),
    ("Safari", r"Safari/"),
)
SYSTEMS = (
    ("iOS", r"iPhone|iPad|iPod"),
    ("Android", r"Android"),
    ("ChromeOS", r"CrOS"),
    ("Windows", r"Windows"),
    ("macOS", r"Mac OS X|Macintosh"),
    ("Linux", r"Linux|X11"),
)


def describe_user_agent(user_agent: str, length: int = 40) -> str:
    """A short name for the browser behind a User-Agent header, such as "Firefox on Linux";
    anything unrecognised is shown as it is, cut to `length` characters."""
    browser = next((name for name, pattern in BROWSERS if re.search(pattern, user_agent)), None)
    system = next((name for name, pattern in SYSTEMS if re.search(pattern, user_agent)), None)
    if browser and system:
        return _("%(browser)s on %(system)s", browser=browser, system=system)
    if browser or system:
        return browser or _("A browser on %(system)s", system=system)
    if not user_agent.strip():
        return _("An unknown browser")
    return user_agent if len(user_agent) <= length else user_agent[: length - 1] + "…"
