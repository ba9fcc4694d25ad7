"""What the browser journeys share: the shop's and the browser's time zones and locales, the
phone's width, the stacked-table check, the site's login form, and the fixtures.

The fixtures are plain, and the autouse ones apply only to the modules that import them (not
to every live test, as they would from a conftest.py): the shop in ``SHOP_ZONE``, production
password hashing for the server process, and no Content-Security-Policy violation.
"""

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.factories import DEFAULT_PASSWORD
from tests.support.dates import shop_format

SHIP = {"carrier": "ups", "tracking_number": "1Z999AA10123456784"}
LIVE_TIMEOUT_MS = 5000
# The shop's zone (UTC+05:30) and the browser's (UTC-08:00 or -07:00) and locale: a date in the
# browser's zone, or formatted by its locale ("1.12.2026, 15:04:05"), cannot pass for the shop's.
SHOP_ZONE = "Asia/Kolkata"
BROWSER = {"timezone_id": "America/Los_Angeles", "locale": "de-DE"}
PHONE = {"width": 390, "height": 844}
# A stacked cell's label: the ::before content site.css gives td[data-label] at phone width.
STACKED_LABEL = """td => {
  const label = getComputedStyle(td, "::before");
  return label.display === "none" || label.visibility === "hidden" ? "none" : label.content;
}"""


@pytest.fixture
def page(browser) -> Iterator:
    """A page in the browser's own time zone and locale, unlike the shop's."""
    context = browser.new_context(viewport={"width": 1100, "height": 800}, **BROWSER)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(autouse=True)
def _shop_time_zone(monkeypatch, settings) -> None:
    """The server processes (asgi_server reads the environment when it is set up, after this
    autouse fixture) and this process, which writes the expected dates, run in SHOP_ZONE."""
    monkeypatch.setenv("DJANGO_TIME_ZONE", SHOP_ZONE)
    settings.TIME_ZONE = SHOP_ZONE


def shown(moment) -> str:
    return shop_format(moment, SHOP_ZONE)


def assert_stacked_labels(page, cells: dict[str, str]) -> None:
    """At phone width each cell (a selector) shows its label (``cells``' value) above it."""
    for selector, label in cells.items():
        cell = page.locator(selector).first
        expect(cell).to_be_visible()
        assert cell.evaluate(STACKED_LABEL) == f'"{label}"', selector


@pytest.fixture(autouse=True)
def no_csp_violations(page) -> Iterator[list[str]]:
    """Chromium reports each refused script, style, image or connection on the console."""
    violations: list[str] = []

    def collect(message) -> None:
        if "Content Security Policy" in message.text:
            violations.append(f"{message.text} ({page.url})")

    page.on("console", collect)
    yield violations
    assert violations == []


@pytest.fixture(autouse=True)
def _real_password_hashing(settings):
    """The server process checks passwords with the production hashers."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]


def log_in(page, server, user, next_path: str) -> None:
    page.goto(f"{server.http}/accounts/login/?next={next_path}")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{server.http}{next_path}")
