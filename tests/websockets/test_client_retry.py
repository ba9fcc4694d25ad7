"""The example client treats close code 1013 as "try again later": it backs off and retries.

The server here is a plain ``websockets`` server speaking the documented protocol, so the test
can say exactly when it refuses; the consumer's side of 1013 is in test_consumer_faults.py.
"""

import asyncio
import json
from types import SimpleNamespace

import pytest
from websockets.asyncio.server import serve

from examples import watch_orders
from tests.support.live_services import free_port

pytestmark = pytest.mark.asyncio

EVENT = {
    "type": "order.shipped",
    "event_id": 1,
    "position": 1,
    "previous": 0,
    "order_id": 7,
    "status": "shipped",
}


async def test_the_client_backs_off_on_1013_and_gets_the_event_once_served(monkeypatch):
    delays: list[float] = []

    async def sleep(seconds: float) -> None:
        delays.append(seconds)

    monkeypatch.setattr(watch_orders, "asyncio", SimpleNamespace(sleep=sleep))
    attempts = 0

    async def handler(socket) -> None:
        nonlocal attempts
        attempts += 1
        if attempts <= 3:
            await socket.send(json.dumps({"type": "error", "detail": "try again later"}))
            await socket.close(code=1013)
        else:
            await socket.send(json.dumps(EVENT))
            await socket.wait_closed()

    events: list[dict] = []
    port = free_port()
    async with serve(handler, "127.0.0.1", port):
        await asyncio.wait_for(
            watch_orders.watch(
                f"ws://127.0.0.1:{port}", "token", on_event=events.append, max_events=1
            ),
            timeout=10,
        )

    assert events == [EVENT]
    assert delays == [1.0, 2.0, 4.0]  # doubling, although every attempt was accepted
