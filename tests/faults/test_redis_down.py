"""Redis stopped while orders ship: ships answer 200, and everything completes once it is back."""

import statistics
import time
from collections import Counter

import pytest

from tests.factories import DEFAULT_PASSWORD
from tests.support.fault_services import admin_ship, catch_up, get_status, handshake_outcome, ship

pytestmark = [pytest.mark.services, pytest.mark.faults]

ORDERS = 20
HEALTH_LIMIT_SECONDS = 1.0


def clean_refusal(outcome: str) -> bool:
    """A handshake refused at the HTTP level (403 is Channels' close-before-accept, or 503),
    or accepted and closed with a code: anything but a 500, an abnormal close or a hang."""
    kind, _, code = outcome.partition(" ")
    if kind == "http":
        return code in {"403", "503"}
    return kind == "close" and code not in {"1006", "1011"}


def test_redis_stopped_while_orders_ship(faults, fault_report):
    shop = faults.create_orders(ORDERS)
    web = faults.start_web()
    faults.worker.start()
    *by_api, by_admin = shop.orders

    faults.redis.stop()
    answers, latencies = [], []
    for order in by_api:
        began = time.monotonic()
        answers.append(ship(web.http, order.id, shop.staff_token))
        latencies.append(time.monotonic() - began)
    admin_answer = admin_ship(
        web.http, username=shop.staff_username, password=DEFAULT_PASSWORD, order_id=by_admin.id
    )
    began = time.monotonic()
    health = get_status(f"{web.http}/health/")
    health_seconds = time.monotonic() - began
    handshake = handshake_outcome(f"{web.ws}/ws/orders/", shop.staff_token)

    assert answers == [200] * len(by_api), Counter(answers)
    assert admin_answer == 200
    assert faults.scalar("SELECT count(*) FROM orders_shipment") == ORDERS, "all committed"
    assert faults.sink.messages() == [], "nothing can be delivered without the broker"
    assert (health, health_seconds < HEALTH_LIMIT_SECONDS) == (503, True), health_seconds
    assert clean_refusal(handshake), f"websocket handshake during the outage: {handshake}"

    faults.redis.start()
    back = time.monotonic()
    delivery = faults.sink.wait_for_all(shop.expected_emails(), timeout=60)

    assert (delivery.delivered, delivery.duplicated, delivery.lost) == (2 * ORDERS, 0, 0)
    assert delivery.unexpected == 0
    undispatched = "SELECT count(*) FROM orders_orderevent WHERE dispatched_at IS NULL"
    assert faults.scalar(undispatched) == 0
    assert faults.not_sent() == {"email_logs": 0, "notices": 0}
    shipped = faults.postgres.query("SELECT id FROM orders_orderevent WHERE type = 'shipped'")
    backlog = catch_up(f"{web.ws}/ws/orders/", shop.staff_token)
    seen = Counter(m["event_id"] for m in backlog if m["type"] == "order.shipped")
    assert seen == Counter(event_id for (event_id,) in shipped), "each shipment exactly once"
    fault_report(
        "redis_down",
        shipped=ORDERS,
        delivery=delivery,
        recovery_seconds=delivery.last_at - back,
        ship_latency_median=round(statistics.median(latencies), 3),
        ship_latency_max=round(max(latencies), 3),
        health_seconds=round(health_seconds, 3),
        handshake=handshake,
    )
