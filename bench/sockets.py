"""Websocket subscribers on ``ws/orders/`` (the staff feed): push latency and idle sockets.

Clients use the ``websockets`` package with its defaults, permessage-deflate included, as
browsers negotiate it. A frame's arrival time is taken when its bytes reach the connection
(``data_received``), before they are parsed and before the frame waits for its reader task, so
the time the one client process takes to parse and read 1,000 sockets one after another is not
counted (the client still runs on the same 2 cores as the server, and takes its share of them).
"""

import asyncio
import contextlib
import json
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from typing import cast

from websockets.asyncio.client import ClientConnection, connect

HOST = "127.0.0.1"


class TimedConnection(ClientConnection):
    """Remembers when bytes last arrived, and how long the client spent parsing them.

    The bytes are parsed in a callback of their own, after every socket that became readable
    with them has taken its arrival time: otherwise, with one client process reading 1,000
    sockets, the last socket's arrival would include the parsing of the 999 before it (about
    50-100 µs each here), which a real subscriber, on its own machine, does not wait for.
    """

    arrived_at = 0.0
    parse_seconds = 0.0

    def connection_made(self, transport) -> None:
        self.unparsed: list[bytes] = []
        super().connection_made(transport)

    def data_received(self, data: bytes) -> None:
        self.arrived_at = time.perf_counter()
        if not self.unparsed:
            asyncio.get_running_loop().call_soon(self.parse)
        self.unparsed.append(data)

    def parse(self) -> None:
        began = time.perf_counter()
        chunks, self.unparsed = self.unparsed, []
        for chunk in chunks:
            super().data_received(chunk)
        TimedConnection.parse_seconds += time.perf_counter() - began

    def eof_received(self) -> None:
        self.parse()  # what arrived before the end first
        return super().eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self.parse()
        super().connection_lost(exc)


async def open_sockets(
    port: int, token: str, count: int, *, concurrency: int, deadline: float
) -> tuple[list[TimedConnection], list[float], list[str], float]:
    """Open ``count`` staff sockets, ``concurrency`` handshakes at a time, until ``deadline``.

    Returns the sockets, each handshake's seconds, the errors, and the elapsed seconds.
    """
    url = f"ws://{HOST}:{port}/ws/orders/"
    headers = {"Authorization": f"Token {token}"}
    sockets: list[TimedConnection] = []
    handshakes: list[float] = []
    errors: list[str] = []
    gate = asyncio.Semaphore(concurrency)
    began = time.perf_counter()

    async def one() -> None:
        async with gate:
            if time.perf_counter() > deadline:
                return
            start = time.perf_counter()
            try:
                # ``create_connection`` makes it a TimedConnection; the stubs say the base.
                socket = cast(
                    TimedConnection,
                    await connect(
                        url,
                        additional_headers=headers,
                        create_connection=TimedConnection,
                        open_timeout=30,
                        ping_interval=None,  # the server's heartbeat is the protocol's own
                        max_queue=None,
                    ),
                )
            except Exception as exc:  # refused, reset, timed out: counted, not fatal
                errors.append(f"{type(exc).__name__}: {exc}"[:200])
                return
            handshakes.append(time.perf_counter() - start)
            sockets.append(socket)

    await asyncio.gather(*(one() for _ in range(count)))
    return sockets, handshakes, errors, time.perf_counter() - began


async def close_all(sockets: Sequence[ClientConnection], timeout: float = 30) -> None:
    async def close(socket: ClientConnection) -> None:
        try:
            await asyncio.wait_for(socket.close(), timeout)
        except Exception:
            socket.transport.abort()

    await asyncio.gather(*(close(socket) for socket in sockets))


async def settle(sockets: Sequence[ClientConnection], timeout: float = 60) -> int:
    """Ping each socket's consumer and wait for its pong: its connect work is then done."""

    async def ping(socket: ClientConnection) -> bool:
        try:
            await socket.send(json.dumps({"type": "ping"}))
            async with asyncio.timeout(timeout):
                while True:
                    frame = json.loads(await socket.recv())
                    if frame.get("type") == "pong":
                        return True
        except Exception:
            return False

    return sum(await asyncio.gather(*(ping(socket) for socket in sockets)))


async def push_latency(
    sockets: Sequence[TimedConnection],
    ship: Callable[[], Awaitable[tuple[int, int, float, float]]],
    *,
    events: int,
    frame_timeout: float = 10,
) -> dict:
    """Ship ``events`` orders one at a time; time each frame from the ship's response.

    ``ship()`` ships one order and returns (order id, status, sent at, answered at).
    Latency of a (socket, event) pair = the socket's first receipt of that order's
    ``order.shipped`` frame minus the time the ship response arrived (negative: the push came
    before the response). Lost: pairs never received; duplicated: copies beyond the first.
    """
    receipts: dict[int, dict[int, list[float]]] = defaultdict(lambda: defaultdict(list))
    waiting: dict[int, asyncio.Event] = {}

    async def read(index: int, socket: TimedConnection) -> None:
        try:
            async for text in socket:
                arrived = socket.arrived_at
                frame = json.loads(text)
                if frame.get("type") != "order.shipped":
                    continue
                order_id = frame["order_id"]
                times = receipts[order_id][index]
                times.append(arrived)
                complete = len(receipts[order_id]) == len(sockets)
                if len(times) == 1 and order_id in waiting and complete:
                    waiting[order_id].set()
        except Exception:
            return

    readers = [asyncio.create_task(read(i, s)) for i, s in enumerate(sockets)]
    shipped: dict[int, tuple[float, float]] = {}
    ship_errors = 0
    TimedConnection.parse_seconds = 0.0
    try:
        for _ in range(events):
            order_id_event = asyncio.Event()
            order_id, status, sent_at, answered_at = await ship()
            if status != 200:
                ship_errors += 1
                continue
            waiting[order_id] = order_id_event
            if len(receipts[order_id]) == len(sockets):
                order_id_event.set()
            shipped[order_id] = (sent_at, answered_at)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(order_id_event.wait(), frame_timeout)
            await asyncio.sleep(0.05)  # let duplicates show up before the next ship
        await asyncio.sleep(0.5)
    finally:
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)

    from_response: list[float] = []
    from_request: list[float] = []
    duplicated = 0
    for order_id, (sent_at, answered_at) in shipped.items():
        for times in receipts[order_id].values():
            from_response.append(times[0] - answered_at)
            from_request.append(times[0] - sent_at)
            duplicated += len(times) - 1
    expected = len(shipped) * len(sockets)
    frames = max(1, len(from_response) + duplicated)
    return {
        "subscribers": len(sockets),
        "events": len(shipped),
        "ship_errors": ship_errors,
        "expected": expected,
        "received": len(from_response),
        "lost": expected - len(from_response),
        "duplicated": duplicated,
        "stray": sum(
            len(times)
            for order_id, by_socket in receipts.items()
            if order_id not in shipped
            for times in by_socket.values()
        ),
        "client_parse_us_per_frame": round(TimedConnection.parse_seconds / frames * 1e6, 1),
        "_from_response": from_response,
        "_from_request": from_request,
    }
