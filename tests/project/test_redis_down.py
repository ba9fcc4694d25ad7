"""With Redis down or hung, requests still succeed: the throttles fail open, quickly.

The cache is pointed at a real local port: one nobody listens on (connection refused), or
one that accepts connections and never answers (a hung Redis), where only the short socket
timeouts in settings keep the request from hanging.
"""

import logging
import socket
import time
from collections.abc import Iterator

import pytest
from django.urls import reverse

from orders.models import Order, OrderEvent
from shop.celery import app as celery_app
from tests.factories import DEFAULT_PASSWORD, StaffFactory
from tests.support.live_services import free_port

pytestmark = pytest.mark.django_db

SHIP = {"carrier": "dhl", "tracking_number": "JD0000001"}
# Per cache call at most one connect or read timeout (0.25 s), and a ship makes two calls.
HUNG_REDIS_BOUND_SECONDS = 2.0


def redis_cache_at(settings, port: int) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": settings.REDIS_CACHE_OPTIONS,
        }
    }


@pytest.fixture
def redis_refused(settings) -> None:
    redis_cache_at(settings, free_port())


@pytest.fixture
def redis_hung(settings) -> Iterator[None]:
    """A socket that completes the TCP handshake (the kernel does) and never replies."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        redis_cache_at(settings, listener.getsockname()[1])
        yield


def test_a_ship_answers_200_with_the_cache_refused(
    redis_refused, staff_client, order, caplog, django_capture_on_commit_callbacks
):
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(f"/api/orders/{order.pk}/ship/", SHIP, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "shipped"
    assert "Throttle writes not applied: cache unavailable" in caplog.text


def test_a_ship_commits_and_answers_200_with_all_of_redis_refused(
    settings, staff_client, order, django_capture_on_commit_callbacks
):
    """Cache, channel layer and broker down: the receivers fail (their events stay pending
    for the re-dispatch), the ship stands."""
    port = free_port()
    redis_cache_at(settings, port)
    url = f"redis://127.0.0.1:{port}/0"
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{**settings.REDIS_HOST, "address": url}]},
        }
    }
    conf = celery_app.conf
    saved = conf.broker_url, conf.task_always_eager
    conf.broker_url, conf.task_always_eager = url, False
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = staff_client.post(f"/api/orders/{order.pk}/ship/", SHIP, format="json")
    finally:
        conf.broker_url, conf.task_always_eager = saved

    assert response.status_code == 200
    assert Order.objects.get(pk=order.pk).status == Order.Status.SHIPPED
    event = OrderEvent.objects.get(order=order, type=OrderEvent.Type.SHIPPED)
    assert event.dispatched_at is None, "the failed enqueues leave it for the re-dispatch"


def test_a_ship_answers_quickly_with_the_cache_hung(redis_hung, staff_client, order):
    started = time.monotonic()
    response = staff_client.post(f"/api/orders/{order.pk}/ship/", SHIP, format="json")
    elapsed = time.monotonic() - started

    assert response.status_code == 200
    assert elapsed < HUNG_REDIS_BOUND_SECONDS, f"took {elapsed:.2f}s"


def test_token_login_works_with_the_cache_refused(redis_refused, customer, anon_client):
    credentials = {"username": customer.username, "password": DEFAULT_PASSWORD}
    response = anon_client.post("/api/auth/token/", credentials, format="json")
    assert response.status_code == 200
    assert response.json()["token"]


def test_the_admin_ship_page_works_with_the_cache_refused(redis_refused, client, order):
    client.login(username=StaffFactory(is_superuser=True).username, password=DEFAULT_PASSWORD)
    ship_url = reverse("admin:orders_order_ship", args=[order.pk])

    assert client.get(ship_url).status_code == 200
    response = client.post(ship_url, {**SHIP, "notify_customer": "on"})

    assert response.status_code == 302
    assert Order.objects.get(pk=order.pk).status == Order.Status.SHIPPED
