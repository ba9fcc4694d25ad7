"""The pub/sub layer's fan-out (``shop.api.channel_layer.fan_out``) keeps each socket's contract.

A push is written to every idle subscriber of the process in one loop, as a frame built once
(``shop.websocket_protocol``); a socket that is busy or whose buffer is full gets it in order
through its consumer's task instead. Checked on the real Redis layer and the production
websocket protocol, served in the test's own event loop so a socket's buffer can be filled,
with real ``websockets`` clients: no duplicate, the same order for every socket, catch-up still
exact, a socket closed in the middle of a fan-out, and a client that stops reading.
"""

import asyncio
import json
import secrets
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import pytest_asyncio
import uvicorn
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState
from websockets.asyncio.client import ClientConnection, connect

from notifications.channel_groups import STAFF_CHANNEL_GROUP
from notifications.messages import feed_message
from notifications.models import LiveWatcher
from orders.models import OrderEvent
from orders.services import OrderLine, place_order
from shop import websocket_protocol
from shop.asgi import application
from shop.websocket_protocol import WebSocketProtocol

pytestmark = [
    pytest.mark.services,
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("async_db_closed"),
]


@dataclass
class Served:
    url: str
    state: ServerState

    def protocol_of(self, client: ClientConnection) -> WebSocketProtocol:
        """The server side of ``client``'s connection."""
        local = client.transport.get_extra_info("sockname")
        (protocol,) = (
            p
            for p in self.state.connections
            if isinstance(p, WebSocketProtocol) and p.client == local
        )
        return protocol


@pytest_asyncio.fixture
async def served() -> AsyncIterator[Served]:
    """``shop.asgi`` as ``uvicorn --ws shop.websocket_protocol:WebSocketProtocol`` serves it
    (httptools' HTTP protocol upgrading to ours), in this test's loop, on a free port."""
    config = uvicorn.Config(application, ws=WebSocketProtocol, log_config=None, lifespan="off")
    config.load()
    state = ServerState()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: HttpToolsProtocol(config=config, server_state=state, app_state={}, _loop=loop),
        "127.0.0.1",
        0,
    )
    port = server.sockets[0].getsockname()[1]
    try:
        yield Served(url=f"ws://127.0.0.1:{port}", state=state)
    finally:
        for protocol in list(state.connections):
            protocol.shutdown()
        if state.tasks:
            await asyncio.wait(state.tasks, timeout=10)  # consumers' clean-up, rows deleted
        server.close()
        await server.wait_closed()


async def subscribe(served: Served, token: str, path: str = "/ws/orders/") -> ClientConnection:
    client = await connect(
        served.url + path, additional_headers={"Authorization": f"Token {token}"}
    )
    await client.send(json.dumps({"type": "ping"}))  # answered once connect's work is done
    assert json.loads(await asyncio.wait_for(client.recv(), 10)) == {"type": "pong"}
    return client


def event(position: int, padding: int = 0) -> dict[str, Any]:
    """A group message as the push receiver sends it (``order_event_message``)."""
    return {
        "type": "order.shipped",
        "event_id": position,
        "position": position,
        "order_previous": 0,
        "customer_previous": 0,
        "order_id": 1,
        "order_number": secrets.token_hex(padding) or "261121-3MGFSH",  # hex: compresses 2:1
        "status": "shipped",
    }


async def push(*positions: int, padding: int = 0) -> None:
    layer = get_channel_layer()
    for position in positions:
        await layer.group_send(STAFF_CHANNEL_GROUP, event(position, padding))


async def positions(client: ClientConnection, count: int, timeout: float = 10) -> list[int]:
    got: list[int] = []
    while len(got) < count:
        frame = json.loads(await asyncio.wait_for(client.recv(), timeout))
        if frame["type"] != "head":
            assert frame["previous"] == frame["position"] - 1  # the staff feed's previous
            got.append(frame["position"])
    return got


async def nothing_more(client: ClientConnection) -> bool:
    try:
        await asyncio.wait_for(client.recv(), 0.3)
    except TimeoutError:
        return True
    return False


async def test_each_subscriber_gets_each_push_once_in_order_from_one_built_frame(
    served, staff_token
):
    clients = [await subscribe(served, staff_token) for _ in range(20)]

    await push(*range(1, 16), 5, 10, *range(16, 31), 30)  # 5, 10, 30 re-dispatched

    for client in clients:
        assert await positions(client, 30) == list(range(1, 31))
        assert await nothing_more(client)
    last = json.dumps(feed_message(event(30), previous=29)).encode()
    assert (websocket_protocol._frame_key(served.protocol_of(clients[0]).conn), last) in (
        websocket_protocol._frames
    ), "written by the fan-out loop as one pre-built frame"
    for client in clients:
        await client.close()


async def test_a_socket_closed_in_the_middle_of_a_fan_out_costs_the_others_nothing(
    served, staff_token
):
    clients = [await subscribe(served, staff_token) for _ in range(10)]
    gone, others = clients[0], clients[1:]

    await push(*range(1, 11))
    gone.transport.abort()  # no close frame: the server learns it from the connection
    await push(*range(11, 51))

    for client in others:
        assert await positions(client, 50) == list(range(1, 51))
    for _ in range(100):
        if await LiveWatcher.objects.acount() == len(others):
            break
        await asyncio.sleep(0.05)
    assert await LiveWatcher.objects.acount() == len(others)
    for client in others:
        await client.close()


async def test_a_client_that_stops_reading_gets_its_pushes_late_in_order_and_blocks_no_one(
    served, staff_token
):
    slow, *fast = [await subscribe(served, staff_token) for _ in range(5)]
    server_side = served.protocol_of(slow)
    # Small buffers on both ends, so the server's transport fills and pauses early.
    server_side.transport.get_extra_info("socket").setsockopt(
        socket.SOL_SOCKET, socket.SO_SNDBUF, 4096
    )
    server_side.transport.set_write_buffer_limits(high=16384)
    slow.transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow.transport.pause_reading()

    await push(*range(1, 401), padding=1000)

    for client in fast:
        assert await positions(client, 400) == list(range(1, 401))
    assert not server_side.writable.is_set(), "the slow socket's transport is paused"

    slow.transport.resume_reading()
    await push(*range(401, 451))  # while its queue drains: behind it, not before
    assert await positions(slow, 450) == list(range(1, 451))
    await push(451)  # and it is back on the fast path
    for client in fast:
        assert await positions(client, 51) == list(range(401, 452))
    assert await positions(slow, 1) == [451]
    for client in [slow, *fast]:
        assert await nothing_more(client)
        await client.close()


async def test_catch_up_and_live_pushes_meet_without_a_gap_or_a_repeat(
    served, staff_token, customer, product
):
    def place() -> int:
        order = place_order(
            customer=customer, lines=[OrderLine(product.pk, 1)], shipping_address="x"
        )
        position = OrderEvent.objects.get(order=order).position
        assert position is not None
        return position

    stored = [await database_sync_to_async(place)() for _ in range(3)]
    live = await subscribe(served, staff_token)
    client = await connect(
        served.url + "/ws/orders/?after=0",
        additional_headers={"Authorization": f"Token {staff_token}"},
    )
    await push(*stored)  # live copies of the backlog, while it is replayed
    replayed = [json.loads(await asyncio.wait_for(client.recv(), 10)) for _ in range(4)]
    assert [frame["position"] for frame in replayed] == [*stored, stored[-1]]
    assert replayed[-1]["type"] == "head"

    newer = await database_sync_to_async(place)()  # pushed for real, by the push receiver
    pushed = json.loads(await asyncio.wait_for(client.recv(), 10))
    assert (pushed["type"], pushed["position"]) == ("order.placed", newer)
    await client.send(json.dumps({"type": "catch_up", "after": stored[0]}))
    await push(newer)  # re-dispatched while the catch-up runs: dropped
    rest = [json.loads(await asyncio.wait_for(client.recv(), 10)) for _ in range(4)]
    assert [frame["position"] for frame in rest] == [*stored[1:], newer, newer]
    assert [frame["type"] for frame in rest] == ["order.placed"] * 3 + ["head"]
    assert await nothing_more(client)
    assert await positions(live, len(stored) + 1) == [*stored, newer]
    assert await nothing_more(live)
    for each in (client, live):
        await each.close()
