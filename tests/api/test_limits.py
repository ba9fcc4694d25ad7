"""Abuse limits: throttled login and writes, bounded input, a body size limit, inactive users."""

import subprocess
import sys
import uuid

import pytest
from django.test import RequestFactory
from rest_framework.request import Request
from rest_framework.test import APIClient

from orders.models import Order
from shop.api.throttling import LoginRateThrottle, RateThrottle
from tests.factories import DEFAULT_PASSWORD, ProductFactory, UserFactory
from tests.support.clients import client_for
from tests.support.live_services import BASE_DIR

pytestmark = pytest.mark.django_db

LOGIN = "/api/auth/token/"


@pytest.fixture
def rates(settings):
    """Set throttle rates for one test; the throttles read them on every request."""

    def set_rates(**rates: str) -> None:
        current = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {**current, **rates},
        }

    return set_rates


@pytest.fixture
def throttle_clock(monkeypatch):
    """The throttles' clock, moved by hand."""

    class Clock:
        now = 1_000_000.0

    monkeypatch.setattr(RateThrottle, "timer", staticmethod(lambda: Clock.now))
    return Clock


def login(client: APIClient, username: str = "nobody", address: str = "192.0.2.1"):
    return client.post(
        LOGIN, {"username": username, "password": "wrong"}, format="json", REMOTE_ADDR=address
    )


def assert_throttled(response, retry_after: int) -> None:
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert response["Retry-After"] == str(retry_after)


# --- Throttling -------------------------------------------------------------------------------


def test_login_is_limited_per_client_address(rates, throttle_clock):
    rates(login="3/min")
    client = APIClient()
    for _ in range(3):
        assert login(client).status_code == 400
        throttle_clock.now += 10

    assert_throttled(login(client), retry_after=30)
    assert login(client, address="192.0.2.2").status_code == 400, "another address is not limited"
    throttle_clock.now += 30
    assert login(client).status_code == 400, "the first attempt left the window"


def test_forwarded_for_counts_only_behind_configured_proxies(rates, settings):
    rates(login="1/min")
    client = APIClient()

    def login_via(forwarded_for: str):
        return client.post(
            LOGIN,
            {"username": "x", "password": "y"},
            format="json",
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR=forwarded_for,
        )

    assert login_via("203.0.113.1").status_code == 400
    assert login_via("203.0.113.2").status_code == 429, "a forged header escapes no limit"

    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    assert login_via("203.0.113.3").status_code == 400, "behind one proxy, its header counts"
    assert login_via("203.0.113.3").status_code == 429


def test_writes_are_limited_per_user_and_reads_are_not(rates, throttle_clock, customer_client):
    rates(writes="2/min")
    for _ in range(2):
        assert customer_client.post("/api/orders/", {}, format="json").status_code == 400

    assert_throttled(customer_client.post("/api/orders/", {}, format="json"), retry_after=60)
    assert customer_client.get("/api/orders/").status_code == 200
    other = client_for(UserFactory.create())
    assert other.post("/api/orders/", {}, format="json").status_code == 400


def test_retry_after_is_sent_when_the_history_outgrew_a_lowered_rate(rates, throttle_clock):
    """DRF's own wait() returns None here and the 429 would go out without Retry-After."""
    client = APIClient()
    for _ in range(5):
        login(client)
        throttle_clock.now += 1
    rates(login="2/min")

    # The newest of the three that must expire was sent at +3 s; it leaves the window at +63 s.
    assert_throttled(login(client), retry_after=58)


@pytest.mark.services
def test_the_limit_is_shared_by_every_process(rates, settings):
    """Attempts counted by another process, through Redis, count here too."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": settings.REDIS_URL,
        }
    }
    address = f"2001:db8::{uuid.uuid4().hex[:4]}"
    script = (
        "import django; django.setup()\n"
        "from django.test import RequestFactory\n"
        "from shop.api.throttling import LoginRateThrottle\n"
        "for _ in range(10):\n"
        f"    request = RequestFactory().post('/', REMOTE_ADDR={address!r})\n"
        "    assert LoginRateThrottle().allow_request(request, None)\n"
    )
    subprocess.run([sys.executable, "-c", script], cwd=BASE_DIR, check=True, timeout=60)

    rates(login="10/min")
    assert not LoginRateThrottle().allow_request(
        Request(RequestFactory().post("/", REMOTE_ADDR=address)), None
    )
    assert login(APIClient(), address=address).status_code == 429


# --- Bounds on input --------------------------------------------------------------------------


def order_body(**overrides) -> dict:
    return {
        "items": [{"product": ProductFactory.create().pk, "quantity": 1}],
        "shipping_address": "1 Main St\nSpringfield",
        **overrides,
    }


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"items": [{"product": n, "quantity": 1} for n in range(1, 52)]},
            "items",
            "no more than 50",
        ),
        ({"items": [{"product": 1, "quantity": 1001}]}, "items", "less than or equal to 1000"),
        ({"items": [{"product": 2**63, "quantity": 1}]}, "items", "less than or equal to"),
        ({"shipping_address": "x" * 501}, "shipping_address", "no more than 500"),
        ({"shipping_address": "1 Main St\x07"}, "shipping_address", "printable characters"),
        ({"shipping_address": "1 Main St\x00"}, "shipping_address", "Null characters"),
    ],
)
def test_order_input_is_bounded(customer_client, overrides, field, message):
    response = customer_client.post("/api/orders/", order_body(**overrides), format="json")
    assert response.status_code == 400
    assert message in str(response.json()["errors"][field])
    assert not Order.objects.exists()


def test_an_address_may_span_lines(customer_client):
    response = customer_client.post("/api/orders/", order_body(), format="json")
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("tracking_number", "accepted"),
    [("1Z99", True), ("A" * 40, True), ("1Z9", False), ("A" * 41, False), ("1Z 999", False)],
)
def test_tracking_numbers_are_bounded(staff_client, order, tracking_number, accepted):
    response = staff_client.post(
        f"/api/orders/{order.pk}/ship/",
        {"carrier": "ups", "tracking_number": tracking_number},
        format="json",
    )
    assert response.status_code == (200 if accepted else 400)


def test_a_body_over_the_limit_is_a_413(customer_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = order_body(shipping_address="x" * 2000)

    response = customer_client.post("/api/orders/", body, format="json")

    assert response.status_code == 413
    assert response.json() == {
        "detail": "The request body is larger than the limit of 1024 bytes.",
        "code": "request_too_large",
    }
    assert not Order.objects.exists()


# --- Inactive users ---------------------------------------------------------------------------


def test_inactive_users_get_no_token(customer):
    customer.is_active = False
    customer.save()
    response = APIClient().post(
        LOGIN, {"username": customer.username, "password": DEFAULT_PASSWORD}, format="json"
    )
    assert response.status_code == 400


def test_a_session_stops_working_when_its_user_is_deactivated(customer):
    client = APIClient()
    assert client.login(username=customer.username, password=DEFAULT_PASSWORD)
    assert client.get("/api/orders/").status_code == 200
    customer.is_active = False
    customer.save()

    response = client.get("/api/orders/")

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
