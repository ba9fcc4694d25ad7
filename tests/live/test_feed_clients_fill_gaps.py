"""The Python and JavaScript clients against a real server: a push that never came, or came
after the one behind it, is filled on the open socket, each event delivered once, in order.

The test process dispatches some events itself with no receivers (a position, no push), and
pushes them late or never through the shared Redis channel layer.
"""

import asyncio
import json
import os
import shutil
import subprocess

import pytest
from asgiref.sync import async_to_sync, sync_to_async

from examples import watch_orders
from notifications.receivers import push_order_event
from orders.models import Order, OrderEvent
from tests.factories import OrderFactory
from tests.support.live_services import JS_CLIENT, SHIP, ASGIServer, post_json
from tests.support.wiring import ORDER_RECEIVERS, disconnected
from tests.support.ws import session_cookie

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def server(asgi_server) -> ASGIServer:
    return asgi_server()


@pytest.fixture
def customer_orders(customer) -> list[Order]:
    """Four placed orders of the customer's, shipped one by one in the tests."""
    return [OrderFactory.create(customer=customer) for _ in range(4)]


def ship_through(server: ASGIServer, order, staff_token: str) -> None:
    """Ship through the server's API: dispatched and pushed there."""
    post_json(f"{server.http}/api/orders/{order.pk}/ship/", SHIP, staff_token)


def ship_without_push(ship, order) -> OrderEvent:
    """Committed and positioned here, but nobody is told: the push is lost."""
    with disconnected(*ORDER_RECEIVERS):
        ship(order, **SHIP)
    return OrderEvent.objects.select_related("order").get(order=order, type="shipped")


async def push(event: OrderEvent) -> None:
    """What the dispatcher's push receiver sends, now."""
    await sync_to_async(push_order_event)(Order, order=event.order, event=event)


def shipped_positions() -> list[int | None]:
    events = OrderEvent.objects.filter(type="shipped").order_by("position")
    return list(events.values_list("position", flat=True))


def test_python_client_fills_a_lost_and_a_late_push_without_reconnecting(
    server, customer_orders, customer_token, staff_token, ship, monkeypatch
):
    first, second, third, fourth = customer_orders
    ship_through(server, first, staff_token)  # before the client starts: caught up on connect
    connections = []

    def counted_connect(*args, **kwargs):
        connections.append(args[0])
        return real_connect(*args, **kwargs)

    real_connect = watch_orders.connect
    monkeypatch.setattr(watch_orders, "connect", counted_connect)
    received: list[dict] = []

    async def scenario() -> None:
        client = asyncio.create_task(
            watch_orders.watch(server.ws, customer_token, on_event=received.append, max_events=4)
        )
        while not received:
            await asyncio.sleep(0.05)
        lost = await sync_to_async(ship_without_push)(ship, second)
        late = await sync_to_async(ship_without_push)(ship, third)
        await push(late)  # arrives first: its previous is the lost one
        await asyncio.sleep(0.5)
        await push(lost)  # the lost one, late: already delivered by the catch-up
        await sync_to_async(ship_through)(server, fourth, staff_token)
        await asyncio.wait_for(client, 20)

    async_to_sync(scenario)()

    assert [m["position"] for m in received] == shipped_positions()
    assert [m["order_id"] for m in received] == [order.pk for order in customer_orders]
    assert len(connections) == 1, "filled on the open socket, no reconnect"


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js for the JavaScript client")
def test_javascript_client_fills_a_lost_and_a_late_push_without_reconnecting(
    server, customer, customer_orders, staff_token, ship
):
    first, second, third, fourth = customer_orders
    ship_through(server, first, staff_token)
    command = ["node", "--experimental-websocket", str(JS_CLIENT)]
    env = {
        **os.environ,
        "ORDER_FEED_COOKIE": session_cookie(customer).decode(),
        "ORDER_FEED_ORIGIN": f"http://127.0.0.1:{server.port}",
    }
    client = subprocess.Popen(
        [*command, f"{server.ws}/ws/orders/", "4"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert client.stdout is not None
    lines = [client.stdout.readline()]  # the first shipment, by catch-up: subscribed
    lost, late = ship_without_push(ship, second), ship_without_push(ship, third)
    async_to_sync(push)(late)
    async_to_sync(push)(lost)
    ship_through(server, fourth, staff_token)
    rest, errors = client.communicate(timeout=30)

    assert client.returncode == 0, errors
    received = [json.loads(line) for line in [*lines, *rest.splitlines()]]
    assert [m["position"] for m in received] == shipped_positions()
    assert errors.count("status: open") == 1, "filled on the open socket, no reconnect"
