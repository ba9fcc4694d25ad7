"""The consumers' dispatch loop (``dispatch_in_turn``) keeps Channels' contract.

One message is handled at a time, whichever source it came from, and a source is not read
again until its last message has been handled: a client flooding frames is held back by the
server's flow control rather than queued here.
"""

import asyncio

import pytest

from shop.api.consumers import dispatch_in_turn

pytestmark = pytest.mark.asyncio


class Source:
    """Hands out queued messages; counts the reads that are waiting."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[dict] = asyncio.Queue()
        self.reading = 0

    async def __call__(self) -> dict:
        self.reading += 1
        try:
            return await self.queue.get()
        finally:
            self.reading -= 1


async def test_one_message_at_a_time_and_no_read_ahead():
    client, layer = Source(), Source()
    handled: list[str] = []
    release = asyncio.Event()

    async def dispatch(message: dict) -> None:
        handled.append(message["name"])
        if message["name"] == "slow":
            await release.wait()

    loop = asyncio.create_task(dispatch_in_turn([client, layer], dispatch))
    client.queue.put_nowait({"name": "slow"})
    client.queue.put_nowait({"name": "next from the client"})
    layer.queue.put_nowait({"name": "from the layer"})
    await asyncio.sleep(0.01)

    assert handled == ["slow"]  # the layer's message waits for the slow one
    assert client.reading == 0  # and the client is not read meanwhile
    release.set()
    await asyncio.sleep(0.01)
    assert sorted(handled[1:]) == ["from the layer", "next from the client"]
    assert client.reading == 1
    assert layer.reading == 1

    loop.cancel()
    with pytest.raises(asyncio.CancelledError):
        await loop
    assert client.reading == 0
    assert layer.reading == 0


async def test_a_failing_source_ends_the_loop_with_its_exception():
    async def broken() -> dict:
        raise ConnectionError("gone")

    async def idle() -> dict:
        await asyncio.Event().wait()
        return {}

    async def dispatch(message: dict) -> None:
        raise AssertionError("nothing to dispatch")

    with pytest.raises(ConnectionError):
        await dispatch_in_turn([idle, broken], dispatch)
