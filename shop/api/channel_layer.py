"""Channel-layer group membership for the consumers: bounded per process, retried when full.

redis-py's pool refuses (``MaxConnectionsError``) rather than waits once it has
``max_connections`` connections out. When thousands of sockets open or close at once, their
``group_add``/``group_discard`` calls would all want a connection at the same moment; a discard
that fails leaves the channel in its group until ``group_expiry``, and every push to that group
goes to a dead channel meanwhile. So at most ``MAX_CONCURRENT_OPS`` run at a time in a process,
and a refused one is retried after a random wait that doubles each time (so the retries of a
burst spread out instead of colliding again).

With the pub/sub layer (production, ``shop/settings.py``) membership is local to the process
and one connection subscribes, so the bound is never reached; it keeps the consumers safe on
the core layer, which ``tests/websockets/test_channel_layer_bounds.py`` runs them on.
"""

import asyncio
import random
import weakref
from collections.abc import Awaitable, Callable

from redis.exceptions import MaxConnectionsError, RedisError

# Well below REDIS_HOST["max_connections"] (1000, shop/settings.py): pushes and each
# consumer's receive loop need connections from the same pool.
MAX_CONCURRENT_OPS = 100
ATTEMPTS = 8
FIRST_BACKOFF_SECONDS = 0.05  # then 0.1, 0.2 ... 3.2 s at most


class LayerFailed(Exception):
    """A membership call failed with an error that is neither redis-py's nor the socket's.

    redis-py's pub/sub client shares one connection between the subscribing call and the
    layer's reader task; when Redis goes away, one of them can drop the connection while the
    other is half-way through a command, which then fails with ``AttributeError`` on the
    vanished writer. The layer is as unreachable then as with a ``ConnectionError``.
    """


# What an unreachable channel layer raises: redis-py's errors, the socket's own, or the
# client's failures in between (``LayerFailed``).
UNAVAILABLE = (RedisError, OSError, LayerFailed)

# One semaphore per event loop: an asyncio.Semaphore is bound to the loop that first waits on
# it, and tests run many loops in one process.
_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


def _loop_slots() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    if loop not in _slots:
        _slots[loop] = asyncio.Semaphore(MAX_CONCURRENT_OPS)
    return _slots[loop]


async def _bounded(operation: Callable[[str, str], Awaitable[None]], group: str, channel: str):
    delay = FIRST_BACKOFF_SECONDS
    for attempt in range(1, ATTEMPTS + 1):
        try:
            async with _loop_slots():
                await operation(group, channel)
            return
        except MaxConnectionsError:
            if attempt == ATTEMPTS:
                raise
        except UNAVAILABLE:
            raise
        except Exception as exc:
            raise LayerFailed(f"{operation.__name__}({group!r}) failed: {exc!r}") from exc
        await asyncio.sleep(random.uniform(0, delay))
        delay *= 2


async def join(layer, group: str, channel: str) -> None:
    """``layer.group_add``; raises one of ``UNAVAILABLE`` when the layer cannot be reached."""
    await _bounded(layer.group_add, group, channel)


async def leave(layer, group: str, channel: str) -> None:
    """``layer.group_discard``; raises one of ``UNAVAILABLE`` when the layer cannot be reached."""
    await _bounded(layer.group_discard, group, channel)
