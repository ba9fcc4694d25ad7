"""Every login locks out after repeated failures, per client address and per username.

The three login forms (admin, /accounts/login/, the browsable API's) and the token login share
one failure history, fed by Django's ``user_login_failed`` signal (shop/login.py).
"""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from shop.api import login
from tests.factories import DEFAULT_PASSWORD, StaffFactory
from tests.support.live_services import free_port

pytestmark = pytest.mark.django_db

FORMS = ["/admin/login/", "/accounts/login/", "/api-auth/login/"]
LIMIT, WINDOW = 3, 900
ATTACKER, OTHER = "198.51.100.7", "203.0.113.9"


@pytest.fixture(autouse=True)
def limits(settings) -> None:
    settings.LOGIN_FAILURE_LIMIT, settings.LOGIN_FAILURE_WINDOW = LIMIT, WINDOW
    # The token login's own per-address throttle is not what these tests are about.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"login": "1000/min", "writes": "1000/min"},
    }


@pytest.fixture
def lockout_clock(monkeypatch):
    """The login lockout's clock, moved by hand."""

    class Clock:
        now = 2_000_000.0

    monkeypatch.setattr(login, "timer", lambda: Clock.now)
    return Clock


@pytest.fixture
def victim(db):
    return StaffFactory()  # staff, so the admin's form lets them in too


def form_login(path: str, username: str, password: str, address: str):
    client = Client()
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


def fail(path: str, username: str, address: str = ATTACKER, times: int = LIMIT) -> None:
    for _ in range(times):
        response = form_login(path, username, "wrong", address)
        assert response.status_code == 200, "the form again, with its error"


def assert_locked_out(response, retry_after: int) -> None:
    assert response.status_code == 429
    assert response["Retry-After"] == str(retry_after)


@pytest.mark.parametrize("path", FORMS)
def test_a_username_locks_out_after_the_limit_even_with_its_password(path, victim, lockout_clock):
    fail(path, victim.username)
    lockout_clock.now += 60

    locked = form_login(path, victim.username, DEFAULT_PASSWORD, OTHER)
    assert_locked_out(locked, retry_after=WINDOW - 60)
    assert "Too many failed logins" in locked.text

    lockout_clock.now += WINDOW - 60
    assert form_login(path, victim.username, DEFAULT_PASSWORD, OTHER).status_code == 302


@pytest.mark.parametrize("path", FORMS)
def test_an_address_locks_out_after_the_limit_whatever_the_username(path, victim, lockout_clock):
    for n in range(LIMIT):
        fail(path, f"guess{n}", times=1)

    assert_locked_out(form_login(path, victim.username, DEFAULT_PASSWORD, ATTACKER), WINDOW)


@pytest.mark.parametrize("path", FORMS)
def test_others_failures_do_not_block_a_login(path, victim, lockout_clock):
    fail(path, "someone-else")  # that username and the attacker's address are locked out
    fail(path, "a-third-user", address=OTHER, times=LIMIT - 1)  # OTHER is not, yet

    assert form_login(path, victim.username, DEFAULT_PASSWORD, OTHER).status_code == 302


def test_the_forms_and_the_token_login_share_the_history(victim, lockout_clock):
    fail("/admin/login/", victim.username, times=LIMIT - 1)
    credentials = {"username": victim.username, "password": "wrong"}
    client = APIClient()
    assert client.post("/api/auth/token/", credentials, REMOTE_ADDR=OTHER).status_code == 400

    response = client.post(
        "/api/auth/token/",
        {"username": victim.username, "password": DEFAULT_PASSWORD},
        format="json",
        REMOTE_ADDR=OTHER,
    )
    assert_locked_out(response, WINDOW)
    assert response.json()["code"] == "throttled"
    assert_locked_out(
        form_login("/accounts/login/", victim.username, DEFAULT_PASSWORD, OTHER), WINDOW
    )


def test_a_successful_login_records_nothing(victim, lockout_clock):
    for _ in range(LIMIT + 1):
        assert (
            form_login("/accounts/login/", victim.username, DEFAULT_PASSWORD, ATTACKER).status_code
            == 302
        )


def test_forwarded_for_counts_only_behind_configured_proxies(victim, lockout_clock, settings):
    """A forged X-Forwarded-For does not give each attempt a new address."""
    for n in range(LIMIT):
        Client().post(
            "/accounts/login/",
            {"username": f"guess{n}", "password": "wrong"},
            REMOTE_ADDR=ATTACKER,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )
    response = Client().post(
        "/accounts/login/",
        {"username": victim.username, "password": DEFAULT_PASSWORD},
        REMOTE_ADDR=ATTACKER,
        HTTP_X_FORWARDED_FOR="192.0.2.200",
    )
    assert_locked_out(response, WINDOW)


@pytest.mark.parametrize("path", FORMS)
def test_the_lockout_fails_open_with_the_cache_down(path, victim, settings, caplog):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": settings.REDIS_CACHE_OPTIONS,
        }
    }
    fail(path, victim.username, times=LIMIT + 1)

    assert form_login(path, victim.username, DEFAULT_PASSWORD, ATTACKER).status_code == 302
    assert "Login lockout not checked: cache unavailable" in caplog.text
    assert "Login failure not recorded: cache unavailable" in caplog.text
