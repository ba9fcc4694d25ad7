"""Order events reach websocket subscribers as JSON frames, live, with id and position."""

import pytest
from channels.db import database_sync_to_async
from rest_framework.authtoken.models import Token

from orders.dispatch import dispatch_event
from orders.models import OrderEvent
from orders.services import OrderLine, cancel_order, place_order
from shop.api.timestamps import display
from tests.factories import UserFactory
from tests.support.ws import open_socket, receive

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("async_db_closed"),
]


async def test_customer_sees_their_order_ship(order, customer_token, ship):
    comm = await open_socket(f"/ws/orders/{order.pk}/", customer_token)

    await database_sync_to_async(ship)(order, carrier="dhl", tracking_number="JD0123456789")

    message = await receive(comm)
    event = await OrderEvent.objects.aget(order=order, type="shipped")
    assert message == {
        "type": "order.shipped",
        "event_id": event.pk,
        "position": event.position,
        "previous": 0,
        "order_id": order.pk,
        "order_number": order.number,
        "status": "shipped",
        "created_at": event.created_at.isoformat(),
        "created_at_display": display(event.created_at),
        "shipment_id": event.shipment_id,
        "lines": [
            {"item": line["item"], "sku": line["sku"], "quantity": line["quantity"]}
            for line in event.payload["lines"]
        ],
        "carrier": "dhl",
        "tracking_number": "JD0123456789",
        "tracking_url": event.payload["tracking_url"],
        "shipped_at": event.payload["shipped_at"],
    }
    assert await comm.receive_nothing()
    await comm.disconnect()


async def test_order_list_feeds_placed_and_cancelled_to_owner_and_staff(
    customer, customer_token, staff_token, product
):
    mine = await open_socket("/ws/orders/", customer_token)
    everything = await open_socket("/ws/orders/", staff_token)
    stranger = await open_socket("/ws/orders/", await _token_for_new_customer())

    order = await database_sync_to_async(place_order)(
        customer=customer,
        lines=[OrderLine(product.pk, 1)],
        shipping_address="1 Main St",
    )
    await database_sync_to_async(cancel_order)(order=order, cancelled_by=customer)

    for comm in (mine, everything):
        placed, cancelled = await receive(comm), await receive(comm)
        assert (placed["type"], placed["status"], placed["order_id"]) == (
            "order.placed",
            "placed",
            order.pk,
        )
        assert (cancelled["type"], cancelled["status"]) == ("order.cancelled", "cancelled")
        assert placed["event_id"] < cancelled["event_id"]
        assert cancelled["previous"] == placed["position"]
    assert await stranger.receive_nothing(), "another customer hears nothing"
    for comm in (mine, everything, stranger):
        await comm.disconnect()


async def test_a_redispatched_event_reaches_the_client_once(order, customer_token, ship):
    comm = await open_socket(f"/ws/orders/{order.pk}/", customer_token)
    await database_sync_to_async(ship)(order, tracking_number="1Z0001")
    first = await receive(comm)

    # The periodic re-dispatch pushes the same event again; the consumer drops the duplicate.
    await _redispatch(first["event_id"])

    assert await comm.receive_nothing()
    await comm.disconnect()


@database_sync_to_async
def _token_for_new_customer() -> str:
    return Token.objects.create(user=UserFactory.create()).key


@database_sync_to_async
def _redispatch(event_id: int) -> None:
    OrderEvent.objects.filter(pk=event_id).update(dispatched_at=None)
    assert dispatch_event(event_id=event_id)
