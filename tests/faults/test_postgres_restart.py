"""PostgreSQL restarted while the worker delivers: every email once, none failed."""

import time

import pytest

from tests.support.fault_services import ship, wait_for

pytestmark = [pytest.mark.services, pytest.mark.faults]

ORDERS = 30
SLOW_SMTP_SECONDS = 0.2
DELIVERED_BEFORE_RESTART = 10


def test_postgres_restarted_while_tasks_run(faults, fault_report):
    shop = faults.create_orders(ORDERS)
    web = faults.start_web()
    faults.sink.delay = SLOW_SMTP_SECONDS
    faults.worker.start()
    assert [ship(web.http, order.id, shop.staff_token) for order in shop.orders] == [200] * ORDERS
    wait_for(
        lambda: len(faults.sink.messages()) >= DELIVERED_BEFORE_RESTART,
        timeout=30,
        what="delivery to be under way",
    )

    faults.sink.sending.clear()
    assert faults.sink.sending.wait(10), "no send in progress"
    faults.postgres.restart()  # cuts every session, the worker's included, mid-send
    back = time.monotonic()
    before = len(faults.sink.messages())
    delivery = faults.sink.wait_for_all(shop.expected_emails(), timeout=60)

    assert before < 2 * ORDERS, "the restart happened while emails were still to send"
    assert (delivery.delivered, delivery.duplicated, delivery.lost) == (2 * ORDERS, 0, 0)
    assert delivery.unexpected == 0
    assert faults.not_sent() == {"email_logs": 0, "notices": 0}
    resumed = min(m.at for m in faults.sink.messages() if m.at > back)
    fault_report(
        "postgres_restart",
        shipped=ORDERS,
        delivery=delivery,
        recovery_seconds=resumed - back,
        drained_seconds=round(delivery.last_at - back, 2),
    )
