"""A web process that dies between commit and dispatch: the outbox sweep delivers it once."""

import time

import pytest

from tests.support.fault_services import Subscriber, catch_up, wait_for

pytestmark = [pytest.mark.services, pytest.mark.faults]

# on_commit callbacks run in registration order: this process exits right after the commit,
# before ship_order's dispatch callback, as a web process killed at that instant would.
SHIP_THEN_DIE = """
import os
from django.contrib.auth import get_user_model
from django.db import transaction
from orders.services import ship_order
with transaction.atomic():
    transaction.on_commit(lambda: os._exit(1))
    ship_order(
        order_id={order_id},
        shipped_by=get_user_model().objects.get(username="{username}"),
        carrier="dhl",
        tracking_number="JD0147250001",
    )
"""


def test_web_process_dies_between_commit_and_dispatch(faults, fault_report):
    shop = faults.create_orders(1)
    (order,) = shop.orders
    web = faults.start_web()
    faults.worker.start()

    with Subscriber(f"{web.ws}/ws/orders/{order.id}/", shop.staff_token) as subscriber:
        died = faults.manage_shell(
            SHIP_THEN_DIE.format(order_id=order.id, username=shop.staff_username)
        )
        gone = time.monotonic()
        # Read at once: the sweep only takes events older than OUTBOX_STALE_AFTER (2 s).
        committed = faults.postgres.query(
            "SELECT e.id, e.dispatched_at, (SELECT count(*) FROM notifications_emaillog)"
            " FROM orders_orderevent e WHERE e.type = 'shipped'"
        )
        delivery = faults.sink.wait_for_all(shop.expected_emails(), timeout=30)
        wait_for(
            lambda: (
                faults.scalar("SELECT count(*) FROM orders_orderevent WHERE dispatched_at IS NULL")
                == 0
            ),
            timeout=10,
            what="the event to be marked dispatched",
        )
        pushed = [m for m in subscriber.everything_so_far() if m["type"] == "order.shipped"]

    assert died.returncode == 1, died.stdout + died.stderr
    [(event_id, dispatched_at, email_logs)] = committed
    assert (dispatched_at, email_logs) == (None, 0), "committed, not dispatched"
    assert (delivery.delivered, delivery.duplicated, delivery.lost) == (2, 0, 0)
    assert delivery.unexpected == 0
    assert faults.scalar("SELECT status FROM warehouse_warehousenotice") == "sent"
    assert [m["event_id"] for m in pushed] == [event_id], "the subscriber got the push once"
    backlog = catch_up(f"{web.ws}/ws/orders/{order.id}/", shop.staff_token)
    assert [m["event_id"] for m in backlog if m["type"] == "order.shipped"] == [event_id]
    fault_report(
        "web_dies_before_dispatch",
        shipped=1,
        delivery=delivery,
        recovery_seconds=delivery.last_at - gone,
    )
