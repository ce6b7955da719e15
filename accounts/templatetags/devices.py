"""A readable name for a signed-in device, from the User-Agent header its browser sent."""

import re

from django import template

register = template.Library()

# First match wins: Edge and Opera also say "Chrome", and Chrome also says "Safari".
BROWSERS = [
    ("Edge", re.compile(r"\bEdg(?:e|A|iOS)?/")),
    ("Opera", re.compile(r"\bOPR/|\bOpera\b")),
    ("Samsung Internet", re.compile(r"\bSamsungBrowser/")),
    ("Firefox", re.compile(r"\bFirefox/|\bFxiOS/")),
    ("Chrome", re.compile(r"\b(?:Headless)?Chrome/|\bCriOS/")),
    ("Safari", re.compile(r"\bVersion/[\d.]+.*\bSafari/")),
    ("curl", re.compile(r"^curl/")),
    ("Python", re.compile(r"^(?:python-requests|python-httpx|Python-urllib)/")),
]
# iPhones say "like Mac OS X" and Android says "Linux": the specific names come first.
SYSTEMS = [
    ("iPhone", re.compile(r"\biPhone\b")),
    ("iPad", re.compile(r"\biPad\b")),
    ("Android", re.compile(r"\bAndroid\b")),
    ("ChromeOS", re.compile(r"\bCrOS\b")),
    ("Windows", re.compile(r"\bWindows\b")),
    ("macOS", re.compile(r"\bMacintosh\b|\bMac OS X\b")),
    ("Linux", re.compile(r"\bLinux\b")),
]


def _first(names: list[tuple[str, re.Pattern[str]]], user_agent: str) -> str | None:
    return next((name for name, pattern in names if pattern.search(user_agent)), None)


@register.filter
def device_name(user_agent: str | None) -> str:
    """'Firefox on Windows', 'Safari on iPhone', 'curl'; 'Unknown device' when nothing fits."""
    user_agent = (user_agent or "")[:1000]
    browser, system = _first(BROWSERS, user_agent), _first(SYSTEMS, user_agent)
    if browser and system:
        return f"{browser} on {system}"
    if system:
        return f"A browser on {system}"
    return browser or "Unknown device"
