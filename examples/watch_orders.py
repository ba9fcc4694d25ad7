"""Watch order events over the websocket API, reconnecting with catch-up.

    python examples/watch_orders.py ws://127.0.0.1:8000 <api-token> [order-id]

Prints one JSON line per order event, never twice, even across reconnects. Needs the
``websockets`` package (pip install websockets).
"""

import asyncio
import json
import sys
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

# Event ids are allocated when a transaction inserts the row, not when it commits, so on the
# all-orders feed a lower id can become visible just after a higher one. Asking again from a
# little before the highest id seen closes that window; duplicates are dropped by id.
CATCH_UP_OVERLAP = 50
TRY_AGAIN_LATER = 1013  # the server is up but cannot serve yet (docs/websockets.md)


async def watch(
    base_url: str,
    token: str,
    *,
    order_id: int | None = None,
    on_event: Callable[[dict[str, Any]], None] = lambda event: print(json.dumps(event)),
    max_events: int | None = None,
) -> None:
    """Deliver each order event to ``on_event`` once; return after ``max_events`` if given."""
    path = f"/ws/orders/{order_id}/" if order_id else "/ws/orders/"
    seen: set[int] = set()
    delay = 1.0
    while True:
        after = max(max(seen, default=0) - CATCH_UP_OVERLAP, 0)
        backoff = delay
        try:
            async with connect(
                f"{base_url}{path}?after={after}",
                additional_headers={"Authorization": f"Token {token}"},
            ) as socket:
                delay = 1.0
                async for frame in socket:
                    message = json.loads(frame)
                    if message["type"] == "error":
                        print(f"server says: {message['detail']}", file=sys.stderr)
                    elif message["type"].startswith("order.") and message["event_id"] not in seen:
                        seen.add(message["event_id"])
                        on_event(message)
                        if max_events is not None and len(seen) >= max_events:
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


if __name__ == "__main__":
    url, api_token, *rest = sys.argv[1:]
    asyncio.run(watch(url, api_token, order_id=int(rest[0]) if rest else None))
