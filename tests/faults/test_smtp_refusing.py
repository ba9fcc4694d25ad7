"""SMTP refusing connections for a while: retried with backoff, every email once, none failed."""

import time

import pytest

from tests.support.fault_services import ship, wait_for

pytestmark = [pytest.mark.services, pytest.mark.faults]

ORDERS = 15
OUTAGE_SECONDS = 5.0


def test_smtp_refusing_connections_for_a_while(faults, fault_report):
    shop = faults.create_orders(ORDERS)
    web = faults.start_web()
    faults.worker.start()

    faults.sink.stop()
    down = time.monotonic()
    assert [ship(web.http, order.id, shop.staff_token) for order in shop.orders] == [200] * ORDERS
    refused = "SELECT count(*) FROM notifications_emaillog WHERE last_error <> ''"
    wait_for(
        lambda: faults.scalar(refused) == ORDERS,
        timeout=OUTAGE_SECONDS * 2,
        what="every email to have met the refusal",
    )
    time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - down)))
    faults.sink.start()
    back = time.monotonic()
    delivery = faults.sink.wait_for_all(shop.expected_emails(), timeout=60)

    assert (delivery.delivered, delivery.duplicated, delivery.lost) == (2 * ORDERS, 0, 0)
    assert delivery.unexpected == 0
    assert faults.not_sent() == {"email_logs": 0, "notices": 0}
    assert faults.scalar("SELECT min(attempts) FROM notifications_emaillog") > 1, "retried"
    fault_report(
        "smtp_refusing",
        shipped=ORDERS,
        delivery=delivery,
        recovery_seconds=delivery.last_at - back,
        outage_seconds=round(back - down, 2),
    )
