"""A worker SIGKILLed again and again while emails are being sent: each one arrives once."""

import time

import pytest

from tests.support.fault_services import WAREHOUSE_EMAIL, ship

pytestmark = [pytest.mark.services, pytest.mark.faults]

ORDERS = 40
KILLS = 8
SLOW_SMTP_SECONDS = 0.3


def test_worker_killed_while_sending(faults, fault_report):
    shop = faults.create_orders(ORDERS)
    web = faults.start_web()
    faults.sink.delay = SLOW_SMTP_SECONDS
    faults.worker.start()
    assert [ship(web.http, order.id, shop.staff_token) for order in shop.orders] == [200] * ORDERS

    interrupted: list[str] = []  # the recipient of each send a kill cut short
    for _ in range(KILLS):
        faults.sink.sending.clear()
        assert faults.sink.sending.wait(30), "the worker started no send"
        faults.worker.kill()  # mid-send: the sink is still waiting before it accepts RCPT
        interrupted.append(faults.sink.in_flight)
        faults.worker.start()
    restarted = time.monotonic()
    delivery = faults.sink.wait_for_all(shop.expected_emails(), timeout=90)

    assert (delivery.delivered, delivery.duplicated, delivery.lost) == (2 * ORDERS, 0, 0)
    assert delivery.unexpected == 0
    assert faults.not_sent() == {"email_logs": 0, "notices": 0}
    for recipient in {r for r in interrupted if r != WAREHOUSE_EMAIL}:
        attempts = faults.scalar(
            "SELECT attempts FROM notifications_emaillog WHERE recipient = %s", (recipient,)
        )
        assert attempts > interrupted.count(recipient), f"{recipient}: {attempts} attempts"
    warehouse_retries = faults.scalar(
        "SELECT coalesce(sum(attempts - 1), 0) FROM warehouse_warehousenotice"
    )
    assert warehouse_retries >= interrupted.count(WAREHOUSE_EMAIL)
    fault_report(
        "worker_killed",
        shipped=ORDERS,
        delivery=delivery,
        recovery_seconds=delivery.last_at - restarted,
        kills=KILLS,
    )
