"""Client frames: ping gets pong; garbage gets an error frame and the connection stays open."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shop.api.consumers import MAX_FRAME_CHARS
from tests.support.ws import communicator, receive, send

# Nested past the JSON parser's recursion limit, yet inside the frame limit.
DEEP = 2000

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("async_db_closed"),
]


async def send_frame(comm, frame: str | bytes | dict) -> None:
    """Any frame, empty ones too (which ``send_to`` refuses)."""
    if isinstance(frame, dict):
        frame = json.dumps(frame)
    key = "bytes" if isinstance(frame, bytes) else "text"
    await comm.send_input({"type": "websocket.receive", key: frame})


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
        (b"", "binary"),
        ("", "Malformed JSON"),
        ("[" * DEEP + "]" * DEEP, "Malformed JSON"),
        ('{"type": "ping", "x": ' + "[" * DEEP + "]" * DEEP + "}", "Malformed JSON"),
        ('{"type": "ping", "x": NaN}', "Malformed JSON"),
        ('{"type": "ping", "x": -Infinity}', "Malformed JSON"),
        ("9" * (MAX_FRAME_CHARS - 1), "JSON objects"),
        ('{"type": "\\ud800"}', "Unknown message type"),  # a lone surrogate, escaped
        ('{"type": "\ud800\udfff"}', "Unknown message type"),  # raw: only a test can send it
        ({"type": "x" * (MAX_FRAME_CHARS - 20)}, "Unknown message type"),
        ({"type": "ping "}, "Unknown message type"),
        ({"type": "error"}, "Unknown message type"),
    ],
)
async def test_bad_frames_get_an_error_and_the_socket_stays_open(
    order, customer_token, frame, detail
):
    path = f"/ws/orders/{order.pk}/"
    comm = communicator(path, token=customer_token, origin=None)
    assert (await comm.connect())[0]

    await send_frame(comm, frame)
    error = await receive(comm)
    await send(comm, {"type": "ping"})

    assert error["type"] == "error"
    assert detail in error["detail"]
    assert await receive(comm) == {"type": "pong"}
    await comm.disconnect()


async def test_many_bad_frames_in_a_row_never_close_the_socket(order, customer_token):
    path = f"/ws/orders/{order.pk}/"
    comm = communicator(path, token=customer_token, origin=None)
    await comm.connect()
    for frame in ["null", "{", '"str"', "1e999", '{"type": null}'] * 5:
        await send(comm, frame)
        assert (await receive(comm))["type"] == "error"
    await send(comm, {"type": "ping"})
    assert await receive(comm) == {"type": "pong"}
    await comm.disconnect()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children),
    max_leaves=20,
)
frames = st.one_of(
    st.binary(max_size=64),
    st.text(max_size=MAX_FRAME_CHARS + 10),
    json_values.map(json.dumps),
    st.fixed_dictionaries(
        {"type": st.sampled_from(["ping", "error", "pong"]) | st.text()},
        optional={"after": json_values},
    ).map(json.dumps),
    # Around the JSON parser's recursion limit (1000 in CPython 3.11) and past it.
    st.sampled_from([10, 999, 1000, DEEP]).map(lambda depth: "[" * depth + "]" * depth),
)


@settings(
    max_examples=75, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(frames=st.lists(frames, min_size=1, max_size=5))
async def test_any_frame_gets_one_answer_and_the_socket_stays_usable(order, customer_token, frames):
    comm = communicator(f"/ws/orders/{order.pk}/", token=customer_token, origin=None)
    assert (await comm.connect())[0]
    for frame in frames:
        await send_frame(comm, frame)
        answer = await receive(comm)
        assert answer["type"] in {"error", "pong"}
    await send(comm, {"type": "ping"})
    assert await receive(comm) == {"type": "pong"}
    assert await comm.receive_nothing()
    await comm.disconnect()
