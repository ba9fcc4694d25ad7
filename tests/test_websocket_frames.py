"""Client frames: ping gets pong; garbage gets an error frame and the connection stays open."""

import pytest

from notifications.consumers import MAX_FRAME_CHARS
from tests.ws import communicator, receive, send

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("async_db_closed"),
]


@pytest.mark.parametrize(
    ("frame", "detail"),
    [
        ("{not json", "Malformed JSON"),
        ("[1, 2]", "JSON objects"),
        ('{"no": "type"}', "JSON objects"),
        ('{"type": 7}', "JSON objects"),
        ({"type": "subscribe"}, "Unknown message type"),
        ("x" * (MAX_FRAME_CHARS + 1), "too large"),
        (b"\x00\x01binary", "binary"),
    ],
)
async def test_bad_frames_get_an_error_and_the_socket_stays_open(order_and_token, frame, detail):
    order, token = order_and_token
    path = f"/ws/orders/{order.pk}/"
    comm = communicator(path, token=token, origin=None)
    assert (await comm.connect())[0]

    if isinstance(frame, bytes):
        await comm.send_to(bytes_data=frame)
    else:
        await send(comm, frame)
    error = await receive(comm)
    await send(comm, {"type": "ping"})

    assert error["type"] == "error"
    assert detail in error["detail"]
    assert await receive(comm) == {"type": "pong"}
    await comm.disconnect()


async def test_many_bad_frames_in_a_row_never_close_the_socket(order_and_token):
    order, token = order_and_token
    path = f"/ws/orders/{order.pk}/"
    comm = communicator(path, token=token, origin=None)
    await comm.connect()
    for frame in ["null", "{", '"str"', "1e999", '{"type": null}'] * 5:
        await send(comm, frame)
        assert (await receive(comm))["type"] == "error"
    await send(comm, {"type": "ping"})
    assert await receive(comm) == {"type": "pong"}
    await comm.disconnect()
