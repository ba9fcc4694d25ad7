"""Real ASGI servers and a real websocket client over TCP, on PostgreSQL and Redis.

A client connected to one server process receives the push for an order shipped through
another process's REST API: the Redis channel layer carries it between them.
"""

import asyncio
import json
import os
import shutil
import subprocess
import urllib.request

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from rest_framework.authtoken.models import Token
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from examples.watch_orders import watch
from notifications.models import LiveWatcher
from orders.models import OrderEvent
from tests.factories import OrderFactory, StaffFactory
from tests.support.live_services import JS_CLIENT, SHIP, post_json, wait_for
from tests.support.ws import session_cookie

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

IDLE_SECONDS = 7
BURST = 150


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Token {token}"}


def test_push_crosses_server_processes(asgi_server):
    watching, shipping = asgi_server(), asgi_server()
    order = OrderFactory.create()
    customer_token = Token.objects.create(user=order.customer).key
    staff_token = Token.objects.create(user=StaffFactory.create()).key

    async def scenario() -> dict:
        url = f"{watching.ws}/ws/orders/{order.pk}/"
        async with connect(url, additional_headers=auth(customer_token)) as socket:
            await socket.send(json.dumps({"type": "ping"}))
            assert json.loads(await socket.recv()) == {"type": "pong"}  # subscribed
            status, body = await _in_thread(
                post_json, f"{shipping.http}/api/orders/{order.pk}/ship/", SHIP, staff_token
            )
            assert (status, body["status"]) == (200, "shipped")
            return json.loads(await _recv(socket))

    message = async_to_sync(scenario)()

    event = OrderEvent.objects.get(order=order, type="shipped")
    assert message["type"] == "order.shipped"
    assert message["event_id"] == event.pk
    assert message["tracking_number"] == SHIP["tracking_number"]
    assert message["order_number"] == order.number


def test_external_client_reconnects_with_catch_up(asgi_server):
    server = asgi_server()
    order = OrderFactory.create()
    customer_token = Token.objects.create(user=order.customer).key
    staff_token = Token.objects.create(user=StaffFactory.create()).key

    async def scenario() -> list[dict]:
        url = f"{server.ws}/ws/orders/{order.pk}/"
        async with connect(url, additional_headers=auth(customer_token)) as socket:
            await socket.send("{garbage")
            error = json.loads(await socket.recv())
            assert error["type"] == "error"
        # Offline while the order ships.
        await _in_thread(post_json, f"{server.http}/api/orders/{order.pk}/ship/", SHIP, staff_token)
        async with connect(f"{url}?after=0", additional_headers=auth(customer_token)) as socket:
            received = [json.loads(await _recv(socket)), json.loads(await _recv(socket))]
            await socket.send(json.dumps({"type": "ping"}))
            received.append(json.loads(await _recv(socket)))
            return received

    missed, head, pong = async_to_sync(scenario)()

    shipped = OrderEvent.objects.get(order=order, type="shipped")
    assert (missed["event_id"], missed["position"]) == (shipped.pk, shipped.position)
    assert head == {"type": "head", "position": shipped.position}
    assert pong == {"type": "pong"}, "the missed event came once, then nothing but the pong"


def test_refused_handshake_over_tcp(asgi_server):
    server = asgi_server()
    order = OrderFactory.create()

    async def scenario() -> int:
        try:
            async with connect(f"{server.ws}/ws/orders/{order.pk}/"):
                return 101
        except InvalidStatus as refused:
            return refused.response.status_code

    assert async_to_sync(scenario)() == 403


async def _recv(socket, timeout: float = 10) -> str:
    return await asyncio.wait_for(socket.recv(), timeout)


async def _in_thread(function, *args):
    """Blocking HTTP calls run off the event loop, so the socket keeps reading meanwhile."""
    return await sync_to_async(function, thread_sensitive=False)(*args)


def test_example_client_survives_a_server_restart_without_losing_or_repeating(asgi_server):
    """docs/websockets.md's Python client: catch-up on first connect, then across a restart."""
    server = asgi_server()
    customer = OrderFactory.create().customer
    first, second = OrderFactory.create(customer=customer), OrderFactory.create(customer=customer)
    token = Token.objects.create(user=customer).key
    staff_token = Token.objects.create(user=StaffFactory.create()).key
    ship_url = f"{server.http}/api/orders/{{}}/ship/"
    post_json(ship_url.format(first.pk), SHIP, staff_token)  # before the client starts
    received: list[dict] = []

    async def scenario() -> None:
        client = asyncio.create_task(
            watch(server.ws, token, on_event=received.append, max_events=2)
        )
        while not received:  # the first shipment arrives by catch-up
            await asyncio.sleep(0.05)
        await _in_thread(server.stop)
        await _in_thread(asgi_server, server.port)
        await _in_thread(post_json, ship_url.format(second.pk), SHIP, staff_token)
        await asyncio.wait_for(client, 30)

    async_to_sync(scenario)()

    expected = OrderEvent.objects.filter(type="shipped").order_by("position")
    assert [m["position"] for m in received] == list(expected.values_list("position", flat=True))
    assert [m["order_id"] for m in received] == [first.pk, second.pk]


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js for the JavaScript client")
def test_javascript_client_with_a_session_cookie_catches_up_and_goes_live(asgi_server):
    """The browser client (notifications/static/notifications/order-feed.js) run under Node."""
    server = asgi_server()
    customer = OrderFactory.create().customer
    first, second = OrderFactory.create(customer=customer), OrderFactory.create(customer=customer)
    staff_token = Token.objects.create(user=StaffFactory.create()).key
    post_json(f"{server.http}/api/orders/{first.pk}/ship/", SHIP, staff_token)
    command = ["node", "--experimental-websocket", str(JS_CLIENT)]
    env = {
        **os.environ,
        "ORDER_FEED_COOKIE": session_cookie(customer).decode(),
        "ORDER_FEED_ORIGIN": f"http://127.0.0.1:{server.port}",
    }
    client = subprocess.Popen(
        [*command, f"{server.ws}/ws/orders/", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert client.stdout is not None
    first_line = client.stdout.readline()  # catch-up delivered the first shipment
    post_json(f"{server.http}/api/orders/{second.pk}/ship/", SHIP, staff_token)
    rest, errors = client.communicate(timeout=30)

    assert client.returncode == 0, errors
    events = [json.loads(line) for line in [first_line, *rest.splitlines()]]
    assert [(e["type"], e["order_id"]) for e in events] == [
        ("order.shipped", first.pk),
        ("order.shipped", second.pk),
    ]


def test_an_idle_subscriber_outlives_redis_read_timeouts(asgi_server):
    """A socket with nothing to receive for longer than redis-py's default socket timeout
    (5 s in redis-py 8) must stay up: the consumer waits on the Redis layer all that time."""
    server = asgi_server()
    order = OrderFactory.create()
    token = Token.objects.create(user=order.customer).key

    async def scenario() -> dict:
        url = f"{server.ws}/ws/orders/{order.pk}/"
        async with connect(url, additional_headers=auth(token)) as socket:
            await asyncio.sleep(IDLE_SECONDS)
            await socket.send(json.dumps({"type": "ping"}))
            return json.loads(await _recv(socket))

    assert async_to_sync(scenario)() == {"type": "pong"}
    with urllib.request.urlopen(f"{server.http}/health/", timeout=5) as response:
        assert json.load(response)["checks"]["channel_layer"] == "ok"


def test_health_stays_ok_while_sockets_are_open(asgi_server):
    """The channel-layer check shares the process's receive loop with the open websockets."""
    server = asgi_server()
    token = Token.objects.create(user=StaffFactory.create()).key

    async def scenario() -> list[str]:
        async with connect(f"{server.ws}/ws/orders/", additional_headers=auth(token)) as socket:
            await socket.send(json.dumps({"type": "ping"}))
            await _recv(socket)  # subscribed: the consumer now waits on the layer
            return [await _in_thread(_health, server) for _ in range(3)]

    assert async_to_sync(scenario)() == ["ok", "ok", "ok"]


def _health(server) -> str:
    with urllib.request.urlopen(f"{server.http}/health/", timeout=5) as response:
        return json.load(response)["checks"]["channel_layer"]


def test_many_sockets_closing_at_once_all_leave_their_groups(asgi_server):
    """More simultaneous group operations than a default Redis pool allows (100)."""
    server = asgi_server()
    staff = StaffFactory.create()
    token = Token.objects.create(user=staff).key

    async def scenario() -> None:
        url = f"{server.ws}/ws/orders/"
        sockets = await asyncio.gather(
            *(connect(url, additional_headers=auth(token)) for _ in range(BURST))
        )
        for socket in sockets:
            await socket.send(json.dumps({"type": "ping"}))
        await asyncio.gather(*(socket.recv() for socket in sockets))
        await asyncio.gather(*(socket.close() for socket in sockets))

    async_to_sync(scenario)()
    wait_for(
        lambda: not LiveWatcher.objects.exists(),
        timeout=15,
        what="every disconnect to be recorded",
    )
