"""Catch-up by feed position: ``?after=`` and ``catch_up`` replay exactly what was missed,
``previous`` shows a connected client a lost push, and ``head`` shows it a lost last push."""

import asyncio
from urllib.parse import quote

import pytest
from channels.db import database_sync_to_async

from notifications.consumers import MAX_POSITION, OrderConsumer, OrderEventsConsumer
from orders.models import Order, OrderEvent
from orders.services import OrderLine, cancel_order, place_order
from shop.api.consumers import BaseConsumer
from tests.support.wiring import pushes_dropped
from tests.support.ws import open_socket, receive, send

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("async_db_closed"),
]


@pytest.fixture
def placed_orders(customer, product) -> list[Order]:
    """Three orders of the customer's, placed through the service: each has a placed event with
    its feed position."""
    return [
        place_order(customer=customer, lines=[OrderLine(product.pk, 1)], shipping_address="x")
        for _ in range(3)
    ]


async def position(order, kind: str) -> int | None:
    return (await OrderEvent.objects.aget(order=order, type=kind)).position


async def test_reconnect_after_a_missed_shipment_delivers_it_exactly_once(
    placed_orders, customer_token, ship
):
    order = placed_orders[0]
    placed = await position(order, "placed")
    comm = await open_socket(f"/ws/orders/{order.pk}/", customer_token)
    await comm.disconnect()

    await database_sync_to_async(ship)(order)  # while the client is away

    comm = await open_socket(f"/ws/orders/{order.pk}/?after={placed}", customer_token)
    missed, head = await receive(comm), await receive(comm)
    shipped = await OrderEvent.objects.aget(order=order, type="shipped")
    assert (missed["type"], missed["event_id"]) == ("order.shipped", shipped.pk)
    assert (missed["position"], missed["previous"]) == (shipped.position, placed)
    assert head == {"type": "head", "position": shipped.position}
    assert await comm.receive_nothing()
    await comm.disconnect()


async def test_order_list_catch_up_is_in_position_order_and_then_live(
    placed_orders, customer, customer_token, ship
):
    first, second, third = placed_orders
    after = await position(first, "placed")
    await database_sync_to_async(ship)(second)
    await database_sync_to_async(cancel_order)(order=first, cancelled_by=customer)

    comm = await open_socket(f"/ws/orders/?after={after}", customer_token)
    backlog = [await receive(comm) for _ in range(4)]
    head = await receive(comm)
    await database_sync_to_async(ship)(third, tracking_number="1Z0000003")
    live = await receive(comm)

    expected = [
        e
        async for e in OrderEvent.objects.filter(position__gt=after)
        .order_by("position")
        .values_list("position", "type")
    ]
    received = [*backlog, live]
    assert [(m["position"], m["type"]) for m in received] == [
        (at, f"order.{kind}") for at, kind in expected
    ]
    positions = [after, *(m["position"] for m in received)]
    assert [m["previous"] for m in received] == positions[:-1], "each follows the one before"
    assert head == {"type": "head", "position": backlog[-1]["position"]}
    assert await comm.receive_nothing()
    await comm.disconnect()


@pytest.fixture
def watcher_token(request) -> str:
    """The token of the role in ``request.param``: the name of its token fixture."""
    return request.getfixturevalue(request.param)


@pytest.mark.parametrize(
    "watcher_token", ["customer_token", "staff_token"], ids=["customer", "staff"], indirect=True
)
async def test_a_dropped_push_shows_as_a_gap_and_catch_up_fills_it(
    placed_orders, ship, watcher_token
):
    """The push for the first shipment never arrives; the second one's ``previous`` names it,
    and a ``catch_up`` on the open socket brings both, in order. (An order's own feed is
    covered by the heartbeat's ``head`` below: it has one event after placed.)"""
    first, second = placed_orders[:2]
    last = await OrderEvent.objects.order_by("position").alast()
    assert last is not None, "the placed orders have events"
    comm = await open_socket(f"/ws/orders/?after={last.position}", watcher_token)
    assert (await receive(comm))["type"] == "head"

    with pushes_dropped():
        await database_sync_to_async(ship)(first)
    await database_sync_to_async(ship)(second, tracking_number="1Z0000002")
    live = await receive(comm)
    lost = await position(first, "shipped")

    assert live["previous"] == lost != last.position, "the gap shows"
    await send(comm, {"type": "catch_up", "after": last.position})
    replayed = [await receive(comm), await receive(comm)]
    assert [(m["position"], m["previous"]) for m in replayed] == [
        (lost, last.position),
        (live["position"], lost),
    ]
    assert await receive(comm) == {"type": "head", "position": live["position"]}
    assert await comm.receive_nothing()
    await comm.disconnect()


async def test_a_catch_up_without_anything_missed_only_says_head(placed_orders, customer_token):
    order = placed_orders[0]
    placed = await position(order, "placed")
    comm = await open_socket(f"/ws/orders/{order.pk}/", customer_token)

    await send(comm, {"type": "catch_up", "after": placed})

    assert await receive(comm) == {"type": "head", "position": placed}
    await comm.disconnect()


async def test_the_heartbeat_shows_a_lost_last_push(
    placed_orders, customer_token, ship, monkeypatch
):
    order = placed_orders[0]
    placed = await position(order, "placed")
    comm = await open_socket(f"/ws/orders/{order.pk}/?after={placed}", customer_token)
    assert await receive(comm) == {"type": "head", "position": placed}

    with pushes_dropped():
        await database_sync_to_async(ship)(order)
    monkeypatch.setattr(BaseConsumer, "heartbeat_seconds", 0.05)
    await comm.disconnect()  # the heartbeat period is read when a connection starts
    comm = await open_socket(f"/ws/orders/{order.pk}/", customer_token)

    assert await receive(comm) == {"type": "head", "position": await position(order, "shipped")}
    await comm.disconnect()


async def test_events_without_a_position_are_not_in_the_feed_yet(placed_orders, customer_token):
    """Committed but not yet dispatched (or its process died): not replayed until positioned,
    so nothing positioned later can overtake it unseen."""
    order = placed_orders[0]
    await OrderEvent.objects.filter(order=order).aupdate(
        position=None, order_previous=None, customer_previous=None
    )
    comm = await open_socket(f"/ws/orders/{order.pk}/?after=0", customer_token)

    assert await receive(comm) == {"type": "head", "position": 0}
    await comm.disconnect()


async def test_an_event_committed_at_the_seam_arrives_once(
    placed_orders, customer_token, ship, monkeypatch
):
    """The group is joined before the backlog is read: an event committed in between is both
    pushed live and found in the table, and the client still gets it once."""
    order = placed_orders[0]
    placed = await position(order, "placed")
    original_events = OrderConsumer.events

    def events_with_a_shipment_at_the_seam(consumer):
        monkeypatch.setattr(OrderConsumer, "events", original_events)
        ship(order, tracking_number="1Z0000002")
        return original_events(consumer)

    monkeypatch.setattr(OrderConsumer, "events", events_with_a_shipment_at_the_seam)

    comm = await open_socket(f"/ws/orders/{order.pk}/?after={placed}", customer_token)
    message = await receive(comm)

    assert message["type"] == "order.shipped"
    assert (await receive(comm))["type"] == "head"
    assert await comm.receive_nothing(timeout=0.5), "the live copy was dropped"
    await comm.disconnect()


async def test_an_event_committed_just_after_the_backlog_read_arrives_live(
    placed_orders, customer_token, ship, monkeypatch
):
    """No gap: the group was joined before the read, so a later commit is pushed live."""
    order = placed_orders[0]
    placed = await position(order, "placed")
    read_backlog = OrderEventsConsumer.__dict__["backlog"]

    async def read_then_ship(consumer, *, after):
        monkeypatch.delattr(OrderConsumer, "backlog")
        batch = await read_backlog.__get__(consumer, OrderConsumer)(after=after)
        await database_sync_to_async(ship)(order, tracking_number="1Z0000004")
        return batch

    monkeypatch.setattr(OrderConsumer, "backlog", read_then_ship)

    comm = await open_socket(f"/ws/orders/{order.pk}/?after={placed}", customer_token)

    assert await receive(comm) == {"type": "head", "position": placed}
    live = await receive(comm)
    assert (live["type"], live["previous"]) == ("order.shipped", placed)
    assert await comm.receive_nothing(timeout=0.5)
    await comm.disconnect()


@pytest.mark.parametrize(
    "query",
    [
        "after=-1",
        "after=abc",
        "after=1.5",
        "after=",
        "after",
        "after=+1",
        "after=%201",
        "after=1%0A",
        "after=0x10",
        f"after={quote('²')}",  # str.isdigit() says yes
        f"after={quote('١٢')}",  # Arabic-Indic digits: int() would accept them
        f"after={'9' * 5000}",  # int() raises past 4300 digits
        f"after={2**63}",
        "after=1&after=2",
    ],
)
async def test_a_bad_after_gets_an_error_frame_and_close(placed_orders, customer_token, query):
    order = placed_orders[0]
    comm = await open_socket(f"/ws/orders/{order.pk}/?{query}", customer_token)
    assert (await receive(comm))["type"] == "error"
    assert await comm.receive_output() == {"type": "websocket.close", "code": 4400}
    # The client's answer to the close frame; it waits for the consumer's clean-up, which
    # would otherwise still hold the database when the test's tables are flushed.
    await comm.disconnect(code=4400)


@pytest.mark.parametrize("after", ["0", "007", str(MAX_POSITION)])
async def test_any_position_in_range_is_a_good_after(placed_orders, customer_token, after):
    comm = await open_socket(f"/ws/orders/?after={after}", customer_token)
    messages = [await receive(comm) for _ in range(4 if int(after) == 0 else 1)]
    assert messages[-1]["type"] == "head"
    await comm.disconnect()


@pytest.mark.parametrize("after", [-1, "5", 1.5, True, None, 2**63, [1]])
async def test_a_bad_catch_up_gets_an_error_and_the_socket_stays_open(
    placed_orders, customer_token, after
):
    comm = await open_socket("/ws/orders/", customer_token)

    await send(comm, {"type": "catch_up", "after": after})
    error = await receive(comm)
    await send(comm, {"type": "ping"})

    assert error["type"] == "error"
    assert "catch_up" in error["detail"]
    assert await receive(comm) == {"type": "pong"}
    await comm.disconnect()


async def test_many_catch_ups_replay_each_time_without_closing(placed_orders, customer_token):
    comm = await open_socket("/ws/orders/", customer_token)
    for _ in range(3):
        await send(comm, {"type": "catch_up", "after": 0})
        replay = [await receive(comm) for _ in range(4)]
        assert [m["type"] for m in replay] == ["order.placed"] * 3 + ["head"]
    await asyncio.sleep(0)
    await comm.disconnect()
