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
from rest_framework.authtoken.models import Token

from examples import watch_orders
from notifications.receivers import push_order_event
from orders.models import Order, OrderEvent
from orders.services import ship_order
from tests.factories import OrderFactory, StaffFactory, UserFactory
from tests.support.live_services import JS_CLIENT, SHIP, post_json
from tests.support.wiring import ORDER_RECEIVERS, disconnected
from tests.support.ws import session_cookie

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(asgi_server):
    """A server, a customer with four placed orders, and a staff token to ship them."""
    customer, staff = UserFactory(), StaffFactory()
    return {
        "server": asgi_server(),
        "customer": customer,
        "staff": staff,
        "orders": [OrderFactory(customer=customer) for _ in range(4)],
        "customer_token": Token.objects.create(user=customer).key,
        "staff_token": Token.objects.create(user=staff).key,
    }


def ship_through_server(shop, order) -> None:
    post_json(f"{shop['server'].http}/api/orders/{order.pk}/ship/", SHIP, shop["staff_token"])


def ship_without_push(shop, order) -> OrderEvent:
    """Committed and positioned here, but nobody is told: the push is lost."""
    with disconnected(*ORDER_RECEIVERS):
        ship_order(order=order, shipped_by=shop["staff"], **SHIP)
    return OrderEvent.objects.select_related("order").get(order=order, type="shipped")


async def push(event: OrderEvent) -> None:
    """What the dispatcher's push receiver sends, now."""
    await push_order_event(Order, order=event.order, event=event)


def shipped_positions() -> list[int]:
    events = OrderEvent.objects.filter(type="shipped").order_by("position")
    return list(events.values_list("position", flat=True))


def test_python_client_fills_a_lost_and_a_late_push_without_reconnecting(shop, monkeypatch):
    first, second, third, fourth = shop["orders"]
    ship_through_server(shop, first)  # before the client starts: caught up on connect
    connections = []

    def counted_connect(*args, **kwargs):
        connections.append(args[0])
        return real_connect(*args, **kwargs)

    real_connect = watch_orders.connect
    monkeypatch.setattr(watch_orders, "connect", counted_connect)
    received: list[dict] = []

    async def scenario() -> None:
        server = shop["server"]
        client = asyncio.create_task(
            watch_orders.watch(
                server.ws, shop["customer_token"], on_event=received.append, max_events=4
            )
        )
        while not received:
            await asyncio.sleep(0.05)
        lost = await sync_to_async(ship_without_push)(shop, second)
        late = await sync_to_async(ship_without_push)(shop, third)
        await push(late)  # arrives first: its previous is the lost one
        await asyncio.sleep(0.5)
        await push(lost)  # the lost one, late: already delivered by the catch-up
        await sync_to_async(ship_through_server)(shop, fourth)
        await asyncio.wait_for(client, 20)

    async_to_sync(scenario)()

    assert [m["position"] for m in received] == shipped_positions()
    assert [m["order_id"] for m in received] == [order.pk for order in shop["orders"]]
    assert len(connections) == 1, "filled on the open socket, no reconnect"


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js for the JavaScript client")
def test_javascript_client_fills_a_lost_and_a_late_push_without_reconnecting(shop):
    first, second, third, fourth = shop["orders"]
    ship_through_server(shop, first)
    server = shop["server"]
    command = ["node", "--experimental-websocket", str(JS_CLIENT)]
    env = {
        **os.environ,
        "ORDER_FEED_COOKIE": session_cookie(shop["customer"]).decode(),
        "ORDER_FEED_ORIGIN": f"http://127.0.0.1:{server.port}",
    }
    client = subprocess.Popen(
        [*command, f"{server.ws}/ws/orders/", "4"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines = [client.stdout.readline()]  # the first shipment, by catch-up: subscribed
    lost, late = ship_without_push(shop, second), ship_without_push(shop, third)
    async_to_sync(push)(late)
    async_to_sync(push)(lost)
    ship_through_server(shop, fourth)
    rest, errors = client.communicate(timeout=30)

    assert client.returncode == 0, errors
    received = [json.loads(line) for line in [*lines, *rest.splitlines()]]
    assert [m["position"] for m in received] == shipped_positions()
    assert errors.count("status: open") == 1, "filled on the open socket, no reconnect"
