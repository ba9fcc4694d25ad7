"""Channel-layer group sends from sync code, over connections that live as long as the process.

``async_to_sync(layer.group_send)`` runs every call on an event loop of its own, and
channels_redis keeps its Redis connections per event loop, dropping them when the loop
closes: each push from a request or a task set up new connections (4 per ship, 23 of its 34
Redis round trips, bench/README.md). Here sync code hands its sends to one long-lived event
loop per process, in a daemon thread, so they reuse that loop's connections, and the sends of
one call go out concurrently.

The in-memory layer (the embedded default) is not thread-safe and keeps nothing to reuse:
its sends run on a loop in the caller's thread, as before.
"""

import asyncio
import os
import threading
from collections.abc import Sequence
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer

# A send that has not finished by then fails (and its event stays pending for the re-dispatch)
# rather than holding the request: Redis answers in well under a millisecond when it is up.
TIMEOUT_SECONDS = 5.0

Message = tuple[str, dict[str, Any]]  # (group, message)

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_loop_pid = 0


def group_send(messages: Sequence[Message]) -> None:
    """Send each message to its group; raise what the layer raised if any send failed."""
    layer = get_channel_layer()
    if isinstance(layer, InMemoryChannelLayer):
        async_to_sync(_send_all)(layer, messages)
        return
    future = asyncio.run_coroutine_threadsafe(_send_all(layer, messages), _publishing_loop())
    future.result(timeout=TIMEOUT_SECONDS)


async def _send_all(layer: Any, messages: Sequence[Message]) -> None:
    results = await asyncio.gather(
        *(layer.group_send(group, message) for group, message in messages),
        return_exceptions=True,
    )
    for result in results:
        if isinstance(result, BaseException):
            raise result


def _publishing_loop() -> asyncio.AbstractEventLoop:
    """This process's loop, started on first use (after a fork: gunicorn, Celery prefork)."""
    global _loop, _loop_pid
    with _lock:
        if _loop is None or _loop_pid != os.getpid():
            _loop = asyncio.new_event_loop()
            _loop_pid = os.getpid()
            threading.Thread(
                target=_loop.run_forever, name="channel-layer-publisher", daemon=True
            ).start()
        return _loop
