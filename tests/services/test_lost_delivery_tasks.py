"""The receivers only enqueue, so a task the broker accepted and then lost (Redis keeps
nothing on disk) leaves no row behind: the sweeps find such shipped events and create, push
and deliver what their task would have, once."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from notifications.models import EmailLog
from notifications.receivers import PUSH_ORDER_EVENT_UID
from notifications.tasks import send_shipment_email, sweep_missing_emails
from orders.models import OrderEvent
from tests.factories import OrderFactory
from tests.support.channel_layer import drain, join
from warehouse.models import WarehouseNotice
from warehouse.push import WAREHOUSE_CHANNEL_GROUP
from warehouse.tasks import send_warehouse_notice, sweep_missing_notices

pytestmark = pytest.mark.django_db


@pytest.fixture
def lost_tasks(only_receivers):
    """Ships whose email and notice tasks are lost: their receivers never enqueue."""
    only_receivers(PUSH_ORDER_EVENT_UID)


def dispatched_ago(order, seconds: float) -> OrderEvent:
    event = OrderEvent.objects.get(order=order, type=OrderEvent.Type.SHIPPED)
    assert event.dispatched_at is not None
    event.dispatched_at = timezone.now() - timedelta(seconds=seconds)
    event.save(update_fields=["dispatched_at"])
    return event


def test_the_email_of_a_lost_task_is_created_and_sent_once(lost_tasks, order, ship, settings):
    ship(order)
    dispatched_ago(order, settings.OUTBOX_STALE_AFTER + 1)
    assert not EmailLog.objects.exists()

    assert sweep_missing_emails() == 1
    assert sweep_missing_emails() == 0

    email_log = EmailLog.objects.get()
    assert (email_log.status, email_log.attempts) == (EmailLog.Status.SENT, 1)
    assert [message.to for message in mail.outbox] == [[order.customer.email]]


def test_the_email_sweep_leaves_recent_events_and_customers_who_want_no_email(
    lost_tasks, order, ship, settings
):
    ship(order, notify_customer=False)
    dispatched_ago(order, settings.OUTBOX_STALE_AFTER + 1)
    assert sweep_missing_emails() == 0

    ship(OrderFactory())
    assert sweep_missing_emails() == 0, "dispatched just now: its task may still be queued"
    assert not EmailLog.objects.exists()


def test_a_late_task_beside_the_sweep_sends_one_email(lost_tasks, order, ship, settings):
    ship(order)
    event = dispatched_ago(order, settings.OUTBOX_STALE_AFTER + 1)

    sweep_missing_emails()
    send_shipment_email.delay(event.pk)
    send_shipment_email.delay(event.pk)

    assert EmailLog.objects.count() == 1
    assert len(mail.outbox) == 1


def test_the_notice_of_a_lost_task_is_created_pushed_and_sent_once(
    lost_tasks, order, ship, settings
):
    ship(order)
    event = dispatched_ago(order, settings.OUTBOX_STALE_AFTER + 1)
    assert not WarehouseNotice.objects.exists()
    board = join(WAREHOUSE_CHANNEL_GROUP)

    assert sweep_missing_notices() == 1
    assert sweep_missing_notices() == 0
    send_warehouse_notice.delay(event.pk)

    notice = WarehouseNotice.objects.get()
    pushed = drain(board)[WAREHOUSE_CHANNEL_GROUP]
    assert [(m["type"], m["notice_id"]) for m in pushed] == [("warehouse.notice", notice.pk)]
    assert notice.shipment == order.shipments.get()
    assert notice.status == WarehouseNotice.Status.SENT
    assert [message.subject for message in mail.outbox] == [f"Pack order {order.number}"]


def test_the_notice_sweep_leaves_recent_events(lost_tasks, order, ship):
    ship(order)
    assert sweep_missing_notices() == 0
    assert not WarehouseNotice.objects.exists()
