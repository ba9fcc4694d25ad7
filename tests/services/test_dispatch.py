"""The outbox dispatch: after commit only, robust to failing receivers, safe to repeat."""

import logging
from datetime import timedelta

import pytest
from django.core import mail
from django.db import DatabaseError, transaction
from django.dispatch import Signal
from django.utils import timezone

from notifications.models import EmailLog
from orders.dispatch import SIGNAL_FOR_EVENT, dispatch_event
from orders.models import Order, OrderEvent, Shipment
from orders.services import cancel_order, ship_order
from orders.signals import order_shipped
from orders.tasks import redispatch_pending_events
from tests.factories import OrderFactory
from tests.support.wiring import ORDER_RECEIVERS
from warehouse.models import WarehouseNotice

pytestmark = pytest.mark.django_db(transaction=True)


def test_receivers_run_after_commit_and_event_is_marked_dispatched(order, ship):
    ship(order)

    event = OrderEvent.objects.get(order=order, type="shipped")
    assert event.dispatched_at is not None
    assert EmailLog.objects.get(event=event).status == EmailLog.Status.SENT
    assert WarehouseNotice.objects.get(shipment__order=order).status == "sent"
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [order.customer.email, "warehouse@shop.example"]
    )


def test_nothing_is_dispatched_when_the_transaction_rolls_back(order, staff):
    calls = []

    def spy(sender, **kwargs):
        calls.append(kwargs)

    @transaction.atomic
    def ship_then_fail():
        # The service itself: the ship fixture would run the callbacks before the rollback.
        ship_order(
            order_id=order.pk, shipped_by=staff, carrier="dhl", tracking_number="JD0123456789"
        )
        raise RuntimeError("the caller's transaction fails after ship_order")

    order_shipped.connect(spy, sender=Order, dispatch_uid="test.spy")
    try:
        with pytest.raises(RuntimeError):
            ship_then_fail()
    finally:
        order_shipped.disconnect(sender=Order, dispatch_uid="test.spy")

    assert calls == []
    assert Order.objects.get(pk=order.pk).status == Order.Status.PLACED
    assert not Shipment.objects.exists()
    assert not OrderEvent.objects.exists()
    assert not EmailLog.objects.exists()
    assert mail.outbox == []


def test_a_raising_receiver_stops_neither_the_others_nor_the_shipment(order, ship, caplog):
    def broken(sender, **kwargs):
        raise ConnectionError("carrier API is down")

    real = [wire for wire in ORDER_RECEIVERS if wire.signal is order_shipped]
    try:
        # Put the broken receiver first, so the real ones must still run after it fails.
        for wire in real:
            order_shipped.disconnect(sender=Order, dispatch_uid=wire.dispatch_uid)
        order_shipped.connect(broken, sender=Order, dispatch_uid="test.broken")
        for wire in real:
            order_shipped.connect(wire.receiver, sender=Order, dispatch_uid=wire.dispatch_uid)
        assert order_shipped.receivers[0][0][0] == "test.broken"
        with caplog.at_level(logging.WARNING):
            ship(order)
    finally:
        order_shipped.disconnect(sender=Order, dispatch_uid="test.broken")
        for wire in real:
            order_shipped.connect(wire.receiver, sender=Order, dispatch_uid=wire.dispatch_uid)

    event = OrderEvent.objects.get(type="shipped")
    assert Order.objects.get(pk=order.pk).status == Order.Status.SHIPPED
    assert Shipment.objects.filter(order=order).exists()
    assert EmailLog.objects.get(event=event).status == EmailLog.Status.SENT
    assert WarehouseNotice.objects.filter(shipment__order=order).exists()
    assert event.dispatched_at is None, "a failed receiver leaves the event pending"
    failures = [record for record in caplog.records if record.exc_info]
    assert len(failures) == 1, "the receiver's failure is logged once, with its traceback"
    [failure] = failures
    assert failure.name == "django.dispatch"
    assert "broken" in failure.getMessage()
    assert "carrier API is down" in failure.getMessage()
    [pending] = [r for r in caplog.records if r.name == "orders.dispatch"]
    assert pending.getMessage() == (
        f"shipped event {event.pk} of order {order.number} stays pending: 1 of 5 receivers failed"
    )


def test_dispatching_the_same_event_twice_sends_one_email_and_one_notice(order, ship):
    ship(order)
    event = OrderEvent.objects.get(type="shipped")
    OrderEvent.objects.filter(pk=event.pk).update(dispatched_at=None)

    assert dispatch_event(event_id=event.pk) is True

    assert EmailLog.objects.filter(event=event).count() == 1
    assert WarehouseNotice.objects.filter(shipment__order=order).count() == 1
    assert len(mail.outbox) == 2, "one customer email and one warehouse email, not four"


def test_periodic_redispatch_sends_old_pending_events_only(ship):
    old, recent, done = OrderFactory.create(), OrderFactory.create(), OrderFactory.create()
    for order in (old, recent, done):
        ship(order)
    OrderEvent.objects.filter(order__in=[old, recent]).update(dispatched_at=None)
    OrderEvent.objects.filter(order=old).update(created_at=timezone.now() - timedelta(minutes=5))
    EmailLog.objects.filter(event__order=old).update(status=EmailLog.Status.PENDING)
    mail.outbox.clear()

    assert redispatch_pending_events() == 1

    assert OrderEvent.objects.get(order=old).dispatched_at is not None
    assert OrderEvent.objects.get(order=recent).dispatched_at is None
    assert [message.to for message in mail.outbox] == [[old.customer.email]]


def test_one_event_that_cannot_be_dispatched_does_not_hold_up_the_others(
    ship, customer, caplog, monkeypatch
):
    broken, fine = OrderFactory.create(customer=customer), OrderFactory.create()
    ship(fine)
    cancel_order(order=broken, cancelled_by=customer)

    class RefusedSignal(Signal):
        def send_robust(self, sender, **named):
            raise DatabaseError("the database went away")

    # The cancelled event's dispatch raises.
    monkeypatch.setitem(SIGNAL_FOR_EVENT, OrderEvent.Type.CANCELLED, RefusedSignal())
    OrderEvent.objects.filter(type__in=["shipped", "cancelled"]).update(
        dispatched_at=None, created_at=timezone.now() - timedelta(minutes=5)
    )

    with caplog.at_level(logging.ERROR, logger="orders.tasks"):
        assert redispatch_pending_events() == 1

    assert OrderEvent.objects.get(order=fine, type="shipped").dispatched_at is not None
    assert OrderEvent.objects.get(order=broken, type="cancelled").dispatched_at is None
    assert "stays pending" in caplog.text


def test_a_dispatch_that_fails_after_commit_leaves_the_shipment_and_the_request_alone(
    order, staff, staff_client, caplog, monkeypatch
):
    """The dispatch itself raises after the commit (here: the database refuses the signal's
    send, as when it went away): the ship still answers 200 and the event waits for the
    re-dispatch, positioned."""

    class RefusedSignal(Signal):
        def send_robust(self, sender, **named):
            raise DatabaseError("the database went away")

    monkeypatch.setitem(SIGNAL_FOR_EVENT, OrderEvent.Type.SHIPPED, RefusedSignal())

    with caplog.at_level(logging.ERROR, logger="django.db.backends.base"):
        response = staff_client.post(
            f"/api/orders/{order.pk}/ship/", {"carrier": "ups", "tracking_number": "1Z0000001"}
        )

    assert response.status_code == 200
    event = OrderEvent.objects.get(order=order, type="shipped")
    assert event.position is not None
    assert event.dispatched_at is None
    assert "in on_commit()" in caplog.text
