"""Watch order events over the websocket API, reconnecting with catch-up.

    python examples/watch_orders.py ws://127.0.0.1:8000 <api-token> [order-id]

Prints one JSON line per order event, never twice and in feed order, even across lost pushes
and reconnects. Needs the ``websockets`` package (pip install websockets).
"""

import asyncio
import json
import sys
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

TRY_AGAIN_LATER = 1013  # the server is up but cannot serve yet (docs/websockets.md)


async def watch(
    base_url: str,
    token: str,
    *,
    order_id: int | None = None,
    on_event: Callable[[dict[str, Any]], None] = lambda event: print(json.dumps(event)),
    after: int = 0,
    max_events: int | None = None,
) -> None:
    """Deliver each order event after position ``after`` to ``on_event`` once, in order;
    return after ``max_events`` if given.

    ``last`` is the position of the last event delivered. An event whose ``previous`` is
    beyond ``last``, or a ``head`` beyond it, means a push was lost: ask with ``catch_up`` on
    the open socket (once per replay) and drop what was seen (``position <= last``). A
    reconnect asks with ``?after=last``.
    """
    path = f"/ws/orders/{order_id}/" if order_id else "/ws/orders/"
    last, delivered, delay = after, 0, 1.0
    while True:
        backoff = delay
        try:
            async with connect(
                f"{base_url}{path}?after={last}",
                additional_headers={"Authorization": f"Token {token}"},
            ) as socket:
                delay = 1.0
                catching_up = True  # the server replays, then says head
                async for frame in socket:
                    message = json.loads(frame)
                    kind = message["type"]
                    if kind == "error":
                        print(f"server says: {message['detail']}", file=sys.stderr)
                    elif kind == "head":
                        catching_up = message["position"] > last
                        if catching_up:
                            await _catch_up(socket, last)
                    elif kind.startswith("order.") and message["position"] > last:
                        if message["previous"] > last:  # lost; the replay brings both
                            if not catching_up:
                                catching_up = True
                                await _catch_up(socket, last)
                            continue
                        last = message["position"]
                        on_event(message)
                        delivered += 1
                        if max_events is not None and delivered >= max_events:
                            return
        except InvalidStatus as refused:  # 403: bad token, or not your order; retrying won't help
            raise SystemExit(f"refused: HTTP {refused.response.status_code}") from refused
        except ConnectionClosed as closed:
            if closed.rcvd is not None and closed.rcvd.code == TRY_AGAIN_LATER:
                delay = backoff  # accepted only to be told to wait: keep backing off
        except OSError:
            pass  # server restarting or network gone: reconnect below
        await asyncio.sleep(delay)
        delay = min(delay * 2, 30.0)


async def _catch_up(socket: ClientConnection, after: int) -> None:
    await socket.send(json.dumps({"type": "catch_up", "after": after}))


if __name__ == "__main__":
    url, api_token, *rest = sys.argv[1:]
    asyncio.run(watch(url, api_token, order_id=int(rest[0]) if rest else None))
