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

``FanOutPubSubChannelLayer`` is that pub/sub layer with a fan-out loop: a group message that
reaches the process is decoded once and offered to each member's consumer in turn, which can
write it to its socket there and then (``receive_now``) instead of waking its own task.
"""

import asyncio
import logging
import random
import weakref
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from channels_redis.pubsub import (
    RedisPubSubChannelLayer,
    RedisPubSubLoopLayer,
    RedisSingleShardConnection,
)
from channels_redis.utils import _wrap_close, decode_hosts
from redis.exceptions import MaxConnectionsError, RedisError

logger = logging.getLogger(__name__)

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


# The scope extension a server's protocol adds to offer its ``write_text_now(bytes) -> bool``
# (``shop.websocket_protocol``): {"protocol": <the connection's protocol>}.
FRAME_WRITER = "shop.frame_writer"

# A consumer's answer to a message offered in the fan-out loop: True when it has dealt with it
# (written or dropped), False when the message must wait its turn in the channel's queue. The
# second argument is shared by the members of one fan-out: texts built once for all of them.
ReceiveNow = Callable[[dict[str, Any], dict[Any, bytes]], bool]


def receive_now(layer: Any, channel: str, receiver: ReceiveNow) -> bool:
    """Offer the channel's messages to ``receiver`` first; False if the layer has no fan-out."""
    receivers = getattr(layer, "receivers_now", None)
    if receivers is None:
        return False
    receivers[channel] = receiver
    return True


def stop_receiving_now(layer: Any, channel: str) -> None:
    receivers = getattr(layer, "receivers_now", None)
    if receivers is not None:
        receivers.pop(channel, None)


class FanOutPubSubChannelLayer(RedisPubSubChannelLayer):
    """channels-redis's pub/sub layer, each group message offered to its members in one loop.

    channels-redis puts a message that reaches the process into the queue of each member
    channel; every consumer's task then wakes, decodes it, builds its frame and writes it:
    86-117 µs of CPU per socket and push (bench/README.md). Here the message is decoded once,
    and each member's ``receive_now`` (the consumers') may write a frame built once for them
    all; a member that cannot take it now (busy with an earlier message, or its socket's
    buffer full) gets it in its queue as before, in order behind what it already has.
    """

    def _get_layer(self) -> RedisPubSubLoopLayer:
        loop = asyncio.get_running_loop()
        if loop not in self._layers:
            self._layers[loop] = FanOutLoopLayer(*self._args, **self._kwargs, channel_layer=self)
            _wrap_close(self, loop)
        return self._layers[loop]


class FanOutLoopLayer(RedisPubSubLoopLayer):
    """The layer of one event loop: its shards deliver through ``fan_out``."""

    def __init__(self, hosts: Any = None, **kwargs: Any) -> None:
        super().__init__(hosts, **kwargs)
        self._shards = [FanOutShard(host, self) for host in decode_hosts(hosts)]
        self.receivers_now: dict[str, ReceiveNow] = {}


class FanOutShard(RedisSingleShardConnection):
    def _receive_message(self, message: dict[str, Any] | None) -> None:
        if message is None:
            return
        name = message["channel"]
        if isinstance(name, bytes):
            name = name.decode()
        layer = self.channel_layer
        members = [name] if name in layer.channels else layer.groups.get(name, ())
        fan_out(layer, members, message["data"])


def fan_out(layer: FanOutLoopLayer, members: Iterable[str], data: bytes) -> None:
    """Offer ``data`` to each member channel's receiver, else (or if refused) queue it.

    Synchronous from start to end: no member can join, leave or run in between, and a slow or
    closed socket costs the others nothing (its receiver refuses, or drops it).
    """
    message: dict[str, Any] | None = None
    texts: dict[Any, bytes] = {}
    for channel in members:
        queue = layer.channels.get(channel)
        if queue is None:
            continue
        receiver = layer.receivers_now.get(channel)
        if receiver is not None:
            if message is None:
                message = layer.channel_layer.deserialize(data)
            if receiver(message, texts):
                continue
        queue.put_nowait(data)
