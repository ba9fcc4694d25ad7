"""An open socket ends (close code 4403) within a heartbeat of its user losing access:
deactivated, or, for a token socket, the token deleted."""

import pytest
from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token

from notifications.models import LiveWatcher
from shop.api.consumers import BaseConsumer
from tests.support.ws import communicator, open_socket, receive, send, session_cookie

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("async_db_closed"),
]

HEARTBEAT = 0.05


@pytest.fixture(autouse=True)
def _short_heartbeat(monkeypatch):
    monkeypatch.setattr(BaseConsumer, "heartbeat_seconds", HEARTBEAT)


async def assert_closed_as_refused(comm) -> None:
    error = await receive(comm, timeout=HEARTBEAT * 20)
    assert error == {"type": "error", "detail": "You are no longer signed in."}
    assert await comm.receive_output() == {"type": "websocket.close", "code": 4403}
    await comm.disconnect(code=4403)
    assert not await LiveWatcher.objects.aexists()


async def deactivate(user_id: int) -> None:
    await get_user_model().objects.filter(pk=user_id).aupdate(is_active=False)


async def test_a_deactivated_users_token_socket_is_closed(order, customer_token):
    comm = await open_socket(f"/ws/orders/{order.pk}/", customer_token)

    await deactivate(order.customer_id)

    await assert_closed_as_refused(comm)


async def test_a_deleted_token_closes_its_socket(customer_token):
    comm = await open_socket("/ws/orders/", customer_token)

    await Token.objects.filter(key=customer_token).adelete()

    await assert_closed_as_refused(comm)


async def test_a_deactivated_users_browser_socket_is_closed(order):
    cookie = await sync_to_async(session_cookie)(order.customer)
    comm = communicator(f"/ws/orders/{order.pk}/", cookie=cookie)
    assert (await comm.connect())[0]

    await deactivate(order.customer_id)

    await assert_closed_as_refused(comm)


async def test_an_active_user_stays_connected_across_heartbeats(order, customer_token):
    comm = await open_socket(f"/ws/orders/{order.pk}/", customer_token)

    heard = []
    for _ in range(12):  # six heartbeats
        if not await comm.receive_nothing(timeout=HEARTBEAT / 2):
            heard.append(await receive(comm))
    # The order feed says its head at each heartbeat; nothing closes the socket.
    assert heard, "no heartbeat was heard"
    assert {frame["type"] for frame in heard} == {"head"}
    await send(comm, {"type": "ping"})
    while (frame := await receive(comm))["type"] == "head":  # heartbeats go on meanwhile
        pass
    assert frame == {"type": "pong"}
    await comm.disconnect()
