"""The receivers of the parcel signals, each with the others disconnected: one email per
parcel and kind (shipped, out for delivery, delivered), none for a parcel shipped without
notification, the pushes with their event ids, and the warehouse notice of one parcel."""

import pytest
from django.core import mail
from django.utils import timezone

from notifications.channel_groups import (
    STAFF_CHANNEL_GROUP,
    customer_channel_group,
    order_channel_group,
)
from notifications.models import EmailLog
from notifications.receivers import (
    PUSH_ORDER_EVENT_UID,
    QUEUE_SHIPMENT_EMAIL_UID,
    QUEUE_TRACKING_EMAIL_UID,
)
from notifications.services import events_missing_their_email
from orders.dispatch import dispatch_event
from orders.models import OrderEvent, Shipment
from orders.services import ShipLine
from tests.support.channel_layer import drain, join
from warehouse.models import WarehouseNotice
from warehouse.receivers import RECORD_WAREHOUSE_NOTICE_UID

pytestmark = pytest.mark.django_db

EMAIL_UIDS = (QUEUE_SHIPMENT_EMAIL_UID, QUEUE_TRACKING_EMAIL_UID)


def ship_in_two(ship, order, **overrides) -> tuple[Shipment, Shipment]:
    """Ship ``order``'s first item, then the rest, as two parcels."""
    first_item = order.items.first()
    lines = [ShipLine(item_id=first_item.pk, quantity=first_item.quantity)]
    ship(order, tracking_number="1Z0000FIRST", lines=lines, **overrides)
    ship(order, tracking_number="1Z000SECOND", **overrides)
    return tuple(order.shipments.order_by("id"))


def kinds_by_parcel() -> list[tuple[int, str]]:
    return sorted(EmailLog.objects.values_list("shipment_id", "kind"))


def test_each_parcel_is_emailed_once_when_shipped_out_for_delivery_and_delivered(
    order, ship, track, only_receivers
):
    only_receivers(*EMAIL_UIDS)
    first, second = ship_in_two(ship, order)
    for parcel in (first, second):
        track(parcel, "in_transit", minutes_ago=30)
        track(parcel, "out_for_delivery", minutes_ago=20)
        track(parcel, "exception", minutes_ago=15)  # a failed attempt, then out again
        track(parcel, "out_for_delivery", minutes_ago=10)
        track(parcel, "delivered", minutes_ago=5)

    assert kinds_by_parcel() == sorted(
        (parcel.pk, kind)
        for parcel in (first, second)
        for kind in ("order_shipped", "out_for_delivery", "delivered")
    )
    assert len(mail.outbox) == 6
    assert all(log.status == "sent" for log in EmailLog.objects.all())
    delivered = EmailLog.objects.get(shipment=first, kind="delivered")
    assert "1Z0000FIRST" in delivered.body_text
    assert order.number in delivered.subject


def test_a_redispatched_tracking_event_sends_no_second_email(order, ship, track, only_receivers):
    only_receivers(*EMAIL_UIDS)
    ship(order)
    track(order.shipments.get(), "out_for_delivery")
    event = OrderEvent.objects.get(type="shipment_updated")
    OrderEvent.objects.filter(pk=event.pk).update(dispatched_at=None)

    assert dispatch_event(event_id=event.pk) is True

    assert EmailLog.objects.filter(kind="out_for_delivery").count() == 1
    assert len(mail.outbox) == 2


def test_a_parcel_shipped_without_notification_sends_no_email(order, ship, track, only_receivers):
    only_receivers(*EMAIL_UIDS)
    ship(order, notify_customer=False)
    parcel = order.shipments.get()
    track(parcel, "out_for_delivery", minutes_ago=5)
    track(parcel, "delivered")

    assert not EmailLog.objects.exists()
    assert mail.outbox == []


def test_the_sweep_finds_a_tracking_email_whose_task_was_lost(
    order, ship, track, only_receivers, settings
):
    only_receivers()  # no email receiver: as if its task had been lost
    ship(order)
    track(order.shipments.get(), "out_for_delivery")
    settings.OUTBOX_STALE_AFTER = 0
    OrderEvent.objects.update(dispatched_at=timezone.now())

    missing = events_missing_their_email()

    assert sorted(OrderEvent.objects.get(pk=pk).type for pk in missing) == [
        "shipment_updated",
        "shipped",
    ]


def test_the_pushes_carry_event_ids_for_every_change(order, ship, track, only_receivers):
    only_receivers(PUSH_ORDER_EVENT_UID)
    channels = join(
        order_channel_group(order.pk),
        customer_channel_group(order.customer_id),
        STAFF_CHANNEL_GROUP,
    )
    ship(order)
    parcel = order.shipments.get()

    track(parcel, "out_for_delivery", minutes_ago=5)
    track(parcel, "delivered")

    shipped = OrderEvent.objects.get(type="shipped")
    updates = OrderEvent.objects.filter(type="shipment_updated").order_by("position")
    delivered = OrderEvent.objects.get(type="delivered")
    for received in drain(channels).values():
        # Redis pub/sub is shared by every database of the server: keep this order's.
        messages = [m for m in received if m["order_number"] == order.number]
        assert [(m["type"], m["event_id"]) for m in messages] == [
            ("order.shipped", shipped.pk),
            ("shipment.updated", updates[0].pk),
            ("shipment.updated", updates[1].pk),
            ("order.delivered", delivered.pk),
        ]
        assert messages[1]["shipment_id"] == parcel.pk
        assert messages[1]["shipment_status"] == "out_for_delivery"
        assert messages[3]["status"] == "delivered"
        assert messages[3]["delivered_at"] == delivered.payload["delivered_at"]


def test_the_shipped_push_carries_the_parcel_and_its_lines(order, ship, only_receivers):
    only_receivers(PUSH_ORDER_EVENT_UID)
    channels = join(order_channel_group(order.pk))
    first_item = order.items.first()
    ship(order, lines=[ShipLine(item_id=first_item.pk, quantity=1)])

    [message] = drain(channels)[order_channel_group(order.pk)]
    assert message["type"] == "order.shipped"
    assert message["shipment_id"] == order.shipments.get().pk
    assert message["status"] == "partially_shipped"
    assert message["lines"] == [
        {"item": first_item.pk, "sku": first_item.product.sku, "quantity": 1}
    ]


def test_each_warehouse_notice_covers_only_its_parcels_lines(order, ship, only_receivers):
    only_receivers(RECORD_WAREHOUSE_NOTICE_UID)
    first, second = ship_in_two(ship, order)
    first_item, second_item = order.items.all()

    notices = {notice.shipment_id: notice.items for notice in WarehouseNotice.objects.all()}

    assert notices == {
        first.pk: [
            {
                "sku": first_item.product.sku,
                "name": first_item.product.name,
                "quantity": first_item.quantity,
            }
        ],
        second.pk: [
            {
                "sku": second_item.product.sku,
                "name": second_item.product.name,
                "quantity": second_item.quantity,
            }
        ],
    }
    assert len(mail.outbox) == 2
    assert all(second_item.product.sku not in m.body for m in mail.outbox[:1])
