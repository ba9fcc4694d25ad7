"""``?after=<event_id>``: stored events first, then live ones, no gap and no duplicate."""

import pytest
from channels.db import database_sync_to_async
from rest_framework.authtoken.models import Token

from notifications.consumers import OrderConsumer, OrderEventsConsumer
from orders.models import OrderEvent
from orders.services import OrderLine, cancel_order, place_order, ship_order
from tests.factories import ProductFactory, StaffFactory, UserFactory
from tests.ws import open_socket, receive

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("async_db_closed"),
]


@pytest.fixture
def scene(transactional_db):
    customer, staff, product = UserFactory(), StaffFactory(), ProductFactory()
    orders = [
        place_order(customer=customer, lines=[OrderLine(product.pk, 1)], shipping_address="x")
        for _ in range(3)
    ]
    return {
        "customer": customer,
        "staff": staff,
        "orders": orders,
        "token": Token.objects.create(user=customer).key,
    }


def ship(order, staff, tracking: str = "1Z0000001"):
    return database_sync_to_async(ship_order)(
        order=order, shipped_by=staff, carrier="ups", tracking_number=tracking
    )


async def test_reconnect_after_a_missed_shipment_delivers_it_exactly_once(scene):
    order, staff = scene["orders"][0], scene["staff"]
    placed = await OrderEvent.objects.aget(order=order, type="placed")
    comm = await open_socket(f"/ws/orders/{order.pk}/", scene["token"])
    await comm.disconnect()

    await ship(order, staff)  # while the client is away

    comm = await open_socket(f"/ws/orders/{order.pk}/?after={placed.pk}", scene["token"])
    missed = await receive(comm)
    shipped = await OrderEvent.objects.aget(order=order, type="shipped")
    assert (missed["type"], missed["event_id"]) == ("order.shipped", shipped.pk)
    assert await comm.receive_nothing()
    await comm.disconnect()


async def test_order_list_catch_up_is_in_id_order_and_then_live(scene):
    first, second, third = scene["orders"]
    after = (await OrderEvent.objects.aget(order=first, type="placed")).pk
    await ship(second, scene["staff"])
    await database_sync_to_async(cancel_order)(order=first, cancelled_by=scene["customer"])

    comm = await open_socket(f"/ws/orders/?after={after}", scene["token"])
    backlog = [await receive(comm) for _ in range(4)]
    await ship(third, scene["staff"], "1Z0000003")
    live = await receive(comm)

    expected = [
        e
        async for e in OrderEvent.objects.filter(pk__gt=after)
        .order_by("id")
        .values_list("id", "type")
    ]
    assert [(m["event_id"], m["type"]) for m in [*backlog, live]] == [
        (event_id, f"order.{kind}") for event_id, kind in expected
    ]
    assert await comm.receive_nothing()
    await comm.disconnect()


async def test_an_event_committed_at_the_seam_arrives_once(scene, monkeypatch):
    """The group is joined before the backlog is read: an event committed in between is both
    pushed live and found in the table, and the client still gets it once."""
    order, staff = scene["orders"][0], scene["staff"]
    placed = await OrderEvent.objects.aget(order=order, type="placed")
    original_events = OrderConsumer.events

    def events_with_a_shipment_at_the_seam(consumer):
        monkeypatch.setattr(OrderConsumer, "events", original_events)
        ship_order(order=order, shipped_by=staff, carrier="ups", tracking_number="1Z0000002")
        return original_events(consumer)

    monkeypatch.setattr(OrderConsumer, "events", events_with_a_shipment_at_the_seam)

    comm = await open_socket(f"/ws/orders/{order.pk}/?after={placed.pk}", scene["token"])
    message = await receive(comm)

    assert message["type"] == "order.shipped"
    assert await comm.receive_nothing(timeout=0.5), "the live copy was dropped"
    await comm.disconnect()


@pytest.mark.parametrize("after", ["-1", "abc", "1.5", ""])
async def test_a_bad_after_gets_an_error_frame_and_close(scene, after):
    order = scene["orders"][0]
    comm = await open_socket(f"/ws/orders/{order.pk}/?after={after}", scene["token"])
    assert (await receive(comm))["type"] == "error"
    assert (await comm.receive_output())["type"] == "websocket.close"


async def test_an_event_committed_just_after_the_backlog_read_arrives_live(scene, monkeypatch):
    """No gap: the group was joined before the read, so a later commit is pushed live."""
    order, staff = scene["orders"][0], scene["staff"]
    placed = await OrderEvent.objects.aget(order=order, type="placed")
    read_backlog = OrderEventsConsumer.__dict__["backlog"]

    async def read_then_ship(consumer, *, after):
        monkeypatch.delattr(OrderConsumer, "backlog")
        batch = await read_backlog.__get__(consumer, OrderConsumer)(after=after)
        await ship(order, staff, "1Z0000004")
        return batch

    monkeypatch.setattr(OrderConsumer, "backlog", read_then_ship)

    comm = await open_socket(f"/ws/orders/{order.pk}/?after={placed.pk}", scene["token"])

    assert (await receive(comm))["type"] == "order.shipped"
    assert await comm.receive_nothing(timeout=0.5)
    await comm.disconnect()
