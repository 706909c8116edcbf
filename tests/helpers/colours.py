"""Colours in the stylesheets: WCAG 2 contrast, and the light-dark() pairs that give each
colour in the light and the dark theme (worked out here, not by the tools that write them)."""

import re
from pathlib import Path

STATIC_CSS = Path(__file__).resolve().parents[2] / "flaskblog" / "static" / "css"
THEMES = ("light", "dark")
_HEX = r"#[0-9a-fA-F]{6}"
_PAIR = re.compile(rf"^light-dark\(\s*({_HEX})\s*,\s*({_HEX})\s*\)$")
_PROPERTY = re.compile(r"(--[\w-]+)\s*:\s*([^;]+);")


def luminance(colour: str) -> float:
    """WCAG 2's relative luminance of a #rrggbb colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours, from 1 to 21."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def themed(value: str) -> dict[str, str]:
    """{"light": ..., "dark": ...} for `light-dark(#a, #b)`, or one #rrggbb for both."""
    value = value.strip()
    pair = _PAIR.match(value)
    if pair:
        return dict(zip(THEMES, pair.groups(), strict=True))
    assert re.fullmatch(_HEX, value), f"not a colour or a light-dark() pair: {value}"
    return dict.fromkeys(THEMES, value.lower())


def custom_properties(css: str) -> dict[str, dict[str, str]]:
    """The colours of the first :root rule's custom properties: {name: {theme: colour}},
    names following var() to another property."""
    root = re.search(r"^:root \{(.*?)^\}", css, re.S | re.M).group(1)
    root = re.sub(r"/\*.*?\*/", "", root, flags=re.S)
    raw = dict(_PROPERTY.findall(root))
    colours = {}
    for name, value in raw.items():
        while value.startswith("var("):
            value = raw[value[4:-1]]
        if value.startswith(("#", "light-dark(")):
            colours[name] = themed(value)
    return colours
