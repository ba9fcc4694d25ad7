"""Whatever goes wrong in a consumer, the socket ends cleanly and everything is cleaned up once.

Cleaned up means: the ``LiveWatcher`` row deleted (by the ``disconnect`` announcement), the
channel out of its group, the heartbeat stopped. The faults are real ones where the code has
them (a group message no handler knows, an unreachable Redis, a vanished client); elsewhere a
consumer method is replaced by one that raises.
"""

import asyncio
import json
import logging
import re
from contextlib import suppress

import pytest
from channels.layers import InMemoryChannelLayer, get_channel_layer
from channels.testing import WebsocketCommunicator
from uvicorn.protocols.utils import ClientDisconnected

from notifications.channel_groups import order_channel_group
from notifications.consumers import OrderConsumer
from notifications.models import LiveWatcher
from shop.api.consumers import BaseConsumer
from shop.api.signals import websocket_event
from shop.asgi import application
from tests.support.channel_layer import group_size
from tests.support.live_services import free_port
from tests.support.ws import open_socket, receive, send

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("async_db_closed"),
]


@pytest.fixture
def announced():
    """The ``websocket_event`` events sent, as (event, data) pairs."""
    seen: list[tuple[str, dict]] = []

    def spy(sender, *, event, data, **kwargs):
        seen.append((event, data))

    websocket_event.connect(spy, dispatch_uid="test.faults.spy")
    yield seen
    websocket_event.disconnect(dispatch_uid="test.faults.spy")


async def assert_cleaned_up(order, announced, code: int) -> None:
    assert not await LiveWatcher.objects.aexists()
    assert group_size(order_channel_group(order.pk)) == 0
    assert [data for event, data in announced if event == "disconnect"] == [{"code": code}]


async def assert_ended_with(comm: WebsocketCommunicator, code: int, detail: str) -> None:
    error = await receive(comm)
    assert error["type"] == "error"
    assert detail in error["detail"]
    assert await comm.receive_output() == {"type": "websocket.close", "code": code}


async def test_an_exception_in_a_frame_handler_closes_with_1011_and_cleans_up(
    order, customer_token, announced, monkeypatch, caplog
):

    async def broken(self, frame):
        raise RuntimeError("handler bug")

    monkeypatch.setattr(BaseConsumer, "handle_ping", broken)
    comm = await open_socket(f"/ws/orders/{order.pk}/", customer_token)
    with caplog.at_level(logging.ERROR, logger="shop.api.consumers"):
        await send(comm, {"type": "ping"})
        await assert_ended_with(comm, 1011, "Internal server error")

    await comm.wait()  # the consumer finished without raising
    await assert_cleaned_up(order, announced, 1011)
    record = next(r for r in caplog.records if "failed, closing with 1011" in r.getMessage())
    # Its channel name, whichever layer named it ("specific.…"; "asgi.db<N>.specific.…" on pub/sub).
    assert re.match(r"OrderConsumer on \S*specific\.\S+ failed", record.getMessage())
    assert "handler bug" in caplog.text


async def test_a_group_message_without_a_handler_closes_with_1011_and_cleans_up(
    order, customer_token, announced
):
    comm = await open_socket(f"/ws/orders/{order.pk}/", customer_token)
    await send(comm, {"type": "ping"})
    await receive(comm)

    await get_channel_layer().group_send(
        order_channel_group(order.pk), {"type": "order.unheard_of"}
    )

    await assert_ended_with(comm, 1011, "Internal server error")
    await comm.wait()
    await assert_cleaned_up(order, announced, 1011)


async def test_an_exception_while_connecting_closes_with_1011_and_leaves_the_groups(
    order, customer_token, announced, monkeypatch
):

    async def broken(self):
        raise RuntimeError("backlog query failed")

    monkeypatch.setattr(OrderConsumer, "after_accept", broken)
    comm = WebsocketCommunicator(
        application,
        f"/ws/orders/{order.pk}/",
        headers=[(b"authorization", f"Token {customer_token}".encode())],
    )
    assert await comm.connect() == (True, None)

    await assert_ended_with(comm, 1011, "Internal server error")
    await comm.wait()
    await assert_cleaned_up(order, announced, 1011)


async def test_an_exception_in_the_heartbeat_closes_with_1011_and_cleans_up(
    order, customer_token, announced, monkeypatch
):

    async def broken(scope):
        raise RuntimeError("database gone")

    monkeypatch.setattr(BaseConsumer, "heartbeat_seconds", 0.05)
    monkeypatch.setattr("shop.api.consumers.still_signed_in", broken)
    comm = await open_socket(f"/ws/orders/{order.pk}/", customer_token)

    await assert_ended_with(comm, 1011, "Internal server error")
    await comm.disconnect(code=1011)  # the server's answer to the close frame
    await assert_cleaned_up(order, announced, 1011)


async def test_a_cancelled_consumer_still_cleans_up(order, customer_token, announced):
    comm = await open_socket(f"/ws/orders/{order.pk}/", customer_token)
    await send(comm, {"type": "ping"})
    await receive(comm)

    comm.future.cancel()  # the server dropping the connection's task
    with suppress(asyncio.CancelledError):
        await comm.future

    await assert_cleaned_up(order, announced, 1006)


async def test_sending_to_a_client_that_vanished_does_not_crash_the_consumer(
    order, customer_token, announced
):
    """uvicorn raises ClientDisconnected (Daphne: "Attempt to send on a closed protocol")."""
    gone = asyncio.Event()

    async def server(scope, receive, send):
        async def send_unless_gone(message):
            if gone.is_set():
                raise ClientDisconnected()
            await send(message)

        await application(scope, receive, send_unless_gone)

    comm = WebsocketCommunicator(
        server,
        f"/ws/orders/{order.pk}/",
        headers=[(b"authorization", f"Token {customer_token}".encode())],
    )
    assert (await comm.connect())[0]
    gone.set()
    await send(comm, {"type": "ping"})  # the pong meets a closed socket

    await comm.disconnect(code=1006)  # raises if the consumer did
    await assert_cleaned_up(order, announced, 1006)


@pytest.mark.parametrize(
    "backend",
    # The pub/sub layer fails in new_channel(), before Channels has stored the send function;
    # the core layer fails in the group join, after it.
    ["channels_redis.pubsub.RedisPubSubChannelLayer", "channels_redis.core.RedisChannelLayer"],
    ids=["pubsub", "core"],
)
async def test_an_unreachable_channel_layer_at_the_handshake_closes_with_1013(
    order, customer_token, announced, settings, backend
):
    dead_redis = {"address": f"redis://127.0.0.1:{free_port()}", "socket_timeout": 1}
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": backend,
            "CONFIG": {"hosts": [dead_redis]},
        }
    }
    comm = WebsocketCommunicator(
        application,
        f"/ws/orders/{order.pk}/",
        headers=[(b"authorization", f"Token {customer_token}".encode())],
    )

    assert await comm.connect(timeout=5) == (True, None)  # accepted, so the client sees why
    error = json.loads(await comm.receive_from(timeout=5))
    assert error == {"type": "error", "detail": "The server is busy; try again later."}
    assert await comm.receive_output(timeout=5) == {"type": "websocket.close", "code": 1013}
    await comm.wait(timeout=5)  # no exception escaped, so no server answers 500
    assert not await LiveWatcher.objects.aexists()
    assert [event for event, _data in announced] == []


class TornConnectionLayer(InMemoryChannelLayer):
    """Fails a join as redis-py's pub/sub client does when its shared connection is dropped
    by the layer's reader task half-way through the SUBSCRIBE (Redis gone)."""

    async def group_add(self, group, channel):
        raise AttributeError("'NoneType' object has no attribute 'writelines'")


async def test_a_join_torn_by_the_client_library_closes_with_1013(
    order, customer_token, announced, settings
):
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": f"{__name__}.{TornConnectionLayer.__qualname__}"}
    }
    comm = WebsocketCommunicator(
        application,
        f"/ws/orders/{order.pk}/",
        headers=[(b"authorization", f"Token {customer_token}".encode())],
    )

    assert await comm.connect(timeout=5) == (True, None)
    error = json.loads(await comm.receive_from(timeout=5))
    assert error == {"type": "error", "detail": "The server is busy; try again later."}
    assert await comm.receive_output(timeout=5) == {"type": "websocket.close", "code": 1013}
    await comm.wait(timeout=5)
    assert not await LiveWatcher.objects.aexists()
