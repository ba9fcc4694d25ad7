"""Shared fixtures: users and API clients per role, receiver isolation, and the service guard.

Celery runs eagerly in every test except those marked ``services``, which start a real worker
over Redis. ``REQUIRE_SERVICES=1`` turns every skip into a failure, so CI cannot pass by
silently skipping the tests that need PostgreSQL and Redis.
"""

import os
import uuid
from collections.abc import Callable, Iterator

import pytest
from django.conf import settings
from django.db import connection
from django.dispatch import Signal
from rest_framework.test import APIClient

from orders.models import Order
from shop.celery import app as celery_app
from tests.factories import OrderFactory, StaffFactory, UserFactory
from tests.wiring import PROJECT_RECEIVERS, PROJECT_SIGNALS, receiver_keys

pytest_plugins = ["tests.live_services"]

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


# --- Hooks ------------------------------------------------------------------------------------


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """With REQUIRE_SERVICES=1 a skipped test fails: a missing service must be noticed."""
    outcome = yield
    report = outcome.get_result()
    if REQUIRE_SERVICES and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under REQUIRE_SERVICES=1: {report.longrepr}"


# --- Autouse guards ---------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _receivers_restored() -> Iterator[None]:
    """Fail any test that leaves a project signal with different receivers than it found."""
    before = {signal: receiver_keys(signal) for signal in PROJECT_SIGNALS}
    yield
    changed = [signal for signal, keys in before.items() if receiver_keys(signal) != keys]
    assert not changed, f"test left receivers changed on {changed}; restore them in a finally"


@pytest.fixture(autouse=True)
def _fresh_cache(settings) -> None:
    """Every test starts with an empty cache, so no test inherits another's throttle history.

    A new key prefix rather than ``cache.clear()``: on Redis, clear() is FLUSHDB, which would
    also delete the Celery broker's queues that live in the same database.
    """
    settings.CACHES = {
        alias: {**config, "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
        for alias, config in settings.CACHES.items()
    }


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    """Tests create hundreds of users; the production hasher takes ~0.4 s for each one."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _eager_celery(request: pytest.FixtureRequest) -> Iterator[None]:
    """Unit tests run tasks in-process; ``services`` tests talk to a real worker instead."""
    eager = request.node.get_closest_marker("services") is None
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = eager
    yield
    celery_app.conf.task_always_eager = previous


# --- Receiver isolation -----------------------------------------------------------------------


@pytest.fixture
def only_receivers() -> Iterator[Callable[..., None]]:
    """Call with dispatch_uids to keep; every other project receiver is disconnected.

    Receivers are reconnected when the test ends, however it ends.
    """
    removed: list[tuple[Signal, Callable, str]] = []

    def keep(*uids: str) -> None:
        for signal, receiver, uid in PROJECT_RECEIVERS:
            if uid not in uids and signal.disconnect(sender=Order, dispatch_uid=uid):
                removed.append((signal, receiver, uid))

    try:
        yield keep
    finally:
        for signal, receiver, uid in removed:
            signal.connect(receiver, sender=Order, dispatch_uid=uid)


# --- Users and clients ------------------------------------------------------------------------


@pytest.fixture
def customer(db):
    return UserFactory()


@pytest.fixture
def other_customer(db):
    return UserFactory()


@pytest.fixture
def staff(db):
    return StaffFactory()


@pytest.fixture
def order(customer):
    return OrderFactory(customer=customer, items=2)


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def anon_client() -> APIClient:
    return APIClient()


@pytest.fixture
def customer_client(customer) -> APIClient:
    return client_for(customer)


@pytest.fixture
def other_client(other_customer) -> APIClient:
    return client_for(other_customer)


@pytest.fixture
def staff_client(staff) -> APIClient:
    return client_for(staff)


# --- Real services ----------------------------------------------------------------------------


def real_services_missing() -> str | None:
    """Why ``services`` tests cannot run here, or None when PostgreSQL and Redis are set."""
    if connection.vendor != "postgresql":
        return "needs PostgreSQL (set DATABASE_URL=postgres://...)"
    if not settings.REDIS_URL:
        return "needs Redis (set REDIS_URL=redis://...)"
    return None


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("services") and (reason := real_services_missing()):
        pytest.skip(reason)
