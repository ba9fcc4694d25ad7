"""Shared fixtures: a user and an API client per role, orders and the one way tests ship them,
receiver isolation, and the service guard.

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
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from orders.models import Order
from orders.services import ship_order
from shop.celery import app as celery_app
from shop.management.commands.signals import known_signals
from tests.factories import (
    AdminFactory,
    OrderFactory,
    ProductFactory,
    StaffFactory,
    UserFactory,
    WarehouseStaffFactory,
)
from tests.support.clients import client_for
from tests.support.wiring import receiver_keys
from warehouse.models import WarehouseNotice

pytest_plugins = ["tests.support.live_services", "tests.support.browser"]

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
# What the ``ship`` fixture ships with unless told otherwise.
SHIPMENT = {"carrier": "ups", "tracking_number": "1Z0000001"}


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
    """Fail any test that leaves a signal (the project's or Django's) with different project
    or test receivers than it found."""
    before = {path: receiver_keys(signal) for path, signal in known_signals()}
    yield
    changed = [path for path, signal in known_signals() if receiver_keys(signal) != before[path]]
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


# --- Mail -------------------------------------------------------------------------------------


@pytest.fixture
def unreachable_smtp(settings) -> None:
    """SMTP pointed at a local port nobody listens on: a real refused connection."""
    from tests.support.live_services import free_port  # a plugin module: imported by pytest first

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()


# --- Users, their tokens, and what they order -------------------------------------------------


@pytest.fixture
def customer(db):
    return UserFactory()


@pytest.fixture
def other_customer(db):
    """A customer who owns none of ``customer``'s orders."""
    return UserFactory()


@pytest.fixture
def staff(db):
    """Staff who may ship orders (``orders.ship_order``), and nothing else."""
    return StaffFactory()


@pytest.fixture
def warehouse_clerk(db):
    """Warehouse staff: sees orders and notices, ships orders, acknowledges notices."""
    return WarehouseStaffFactory()


@pytest.fixture
def superuser(db):
    return AdminFactory()


@pytest.fixture
def customer_token(customer) -> str:
    """The key of an API token of ``customer``'s, as a token client sends it."""
    return Token.objects.create(user=customer).key


@pytest.fixture
def staff_token(staff) -> str:
    return Token.objects.create(user=staff).key


@pytest.fixture
def product(db):
    return ProductFactory()


@pytest.fixture
def order(customer):
    """A placed order of ``customer``'s, with two items."""
    return OrderFactory(customer=customer, items=2)


# --- Shipping ---------------------------------------------------------------------------------


@pytest.fixture
def ship(staff, django_capture_on_commit_callbacks) -> Callable[..., Order]:
    """``ship(order, **overrides)``: ship through ``orders.services.ship_order``, then run the
    on-commit callbacks it registered (the dispatch, the receivers, their eager tasks), as the
    commit of a real request would. Returns the shipped order, as the service does.

    By ``staff`` with ``SHIPMENT``'s carrier and tracking number; any of ``shipped_by``,
    ``carrier``, ``tracking_number`` and ``notify_customer`` may be overridden. In a
    ``transaction=True`` test the commit runs the callbacks itself. Not for use inside a
    ``django_capture_on_commit_callbacks`` block of the test's own, which would run them again:
    call the service there.
    """

    def ship_(order: Order, **overrides) -> Order:
        with django_capture_on_commit_callbacks(execute=True):
            return ship_order(order_id=order.pk, **{"shipped_by": staff, **SHIPMENT, **overrides})

    return ship_


@pytest.fixture
def shipped_order(order, ship) -> Order:
    """``order``, shipped: its shipment email and warehouse notice are sent."""
    ship(order)
    order.refresh_from_db()
    return order


@pytest.fixture
def warehouse_notice(customer, ship) -> WarehouseNotice:
    """The warehouse notice for another order of ``customer``'s, shipped; ``order`` stays placed."""
    shipped = ship(OrderFactory(customer=customer, items=2))
    return WarehouseNotice.objects.get(order=shipped)


# --- API clients ------------------------------------------------------------------------------


@pytest.fixture
def anon_client() -> APIClient:
    return APIClient()


@pytest.fixture
def customer_client(customer) -> APIClient:
    return client_for(customer)


@pytest.fixture
def staff_client(staff) -> APIClient:
    return client_for(staff)


@pytest.fixture
def warehouse_clerk_client(warehouse_clerk) -> APIClient:
    return client_for(warehouse_clerk)


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
