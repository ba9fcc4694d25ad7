"""The parcel messages over the order feed: ``shipment.updated`` and ``order.delivered`` arrive
live, and a client that was away gets them by catch-up, in position order, exactly once."""

from datetime import timedelta

import pytest
from channels.db import database_sync_to_async
from django.utils import timezone

from orders.models import OrderEvent
from orders.services import record_tracking_event
from tests.support.ws import open_socket, receive

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("async_db_closed"),
]


def deliver(order, step: int, status: str) -> None:
    """A carrier's event, committed (the dispatch runs on commit)."""
    record_tracking_event(
        shipment_id=order.shipments.get().pk,
        event_id=f"ws-{order.pk}-{step}",
        status=status,
        occurred_at=timezone.now() - timedelta(minutes=10 - step),
    )


async def test_a_parcel_update_and_the_delivery_arrive_live(order, customer_token, ship):
    await database_sync_to_async(ship)(order)
    comm = await open_socket(f"/ws/orders/{order.pk}/", customer_token)

    await database_sync_to_async(deliver)(order, 1, "out_for_delivery")
    await database_sync_to_async(deliver)(order, 2, "delivered")

    messages = [await receive(comm) for _ in range(3)]
    events = [e async for e in OrderEvent.objects.filter(order=order).order_by("position")]
    assert [(m["type"], m["event_id"]) for m in messages] == [
        ("shipment.updated", events[1].pk),
        ("shipment.updated", events[2].pk),
        ("order.delivered", events[3].pk),
    ]
    assert [m["previous"] for m in messages] == [e.position for e in events[:3]]
    assert messages[0]["shipment_status"] == "out_for_delivery"
    assert messages[2]["status"] == "delivered"
    assert await comm.receive_nothing()
    await comm.disconnect()


async def test_a_client_that_was_away_catches_up_on_the_parcel(order, customer_token, ship):
    await database_sync_to_async(ship)(order)
    shipped = await OrderEvent.objects.aget(order=order, type="shipped")
    await database_sync_to_async(deliver)(order, 1, "in_transit")
    await database_sync_to_async(deliver)(order, 2, "delivered")

    comm = await open_socket(f"/ws/orders/{order.pk}/?after={shipped.position}", customer_token)

    missed = [await receive(comm) for _ in range(3)]
    head = await receive(comm)
    assert [m["type"] for m in missed] == [
        "shipment.updated",
        "shipment.updated",
        "order.delivered",
    ]
    assert missed[0]["previous"] == shipped.position
    assert head == {"type": "head", "position": missed[-1]["position"]}
    assert await comm.receive_nothing()
    await comm.disconnect()
