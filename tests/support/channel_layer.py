"""Listen on channel-layer groups from sync tests, on the in-memory or a Redis layer.

channels-redis binds a subscription to the event loop that made it. The core layer buffers
a channel's messages in Redis, so ``join`` and ``drain`` may run in loops of their own. The
pub/sub layer delivers only to a process subscribed when the message is published, so with
it both run in one listener loop that lives for the whole test session.
"""

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any

import redis
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels_redis.core import RedisChannelLayer
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.conf import settings

_listener: list[asyncio.AbstractEventLoop] = []


def _listener_loop() -> asyncio.AbstractEventLoop:
    if not _listener:
        loop = asyncio.new_event_loop()
        threading.Thread(target=loop.run_forever, name="channel-listener", daemon=True).start()
        _listener.append(loop)
    return _listener[0]


def _call(function: Callable[..., Coroutine[Any, Any, Any]], *args: Any) -> Any:
    if isinstance(get_channel_layer(), RedisPubSubChannelLayer):
        return asyncio.run_coroutine_threadsafe(function(*args), _listener_loop()).result()
    return async_to_sync(function)(*args)


async def _join(groups: tuple[str, ...]) -> dict[str, str]:
    layer = get_channel_layer()
    channels = {}
    for group in groups:
        channels[group] = await layer.new_channel()
        await layer.group_add(group, channels[group])
    return channels


async def _drain(channels: dict[str, str], timeout: float) -> dict[str, list[dict]]:
    layer = get_channel_layer()
    received: dict[str, list[dict]] = {}
    for group, channel in channels.items():
        received[group] = []
        while True:
            try:
                received[group].append(await asyncio.wait_for(layer.receive(channel), timeout))
            except TimeoutError:
                break
        await layer.group_discard(group, channel)
    return received


def join(*groups: str) -> dict[str, str]:
    """Add a fresh channel to each group; returns {group: channel}."""
    return _call(_join, groups)


def drain(channels: dict[str, str], timeout: float = 0.5) -> dict[str, list[dict]]:
    """Every message waiting for each group's channel, then leave the groups. Call once."""
    return _call(_drain, channels, timeout)


def group_size(group: str) -> int:
    """How many members ``group`` has now, as Redis or the in-memory layer sees them.

    In-memory: the channels of this process. Core layer: every process's channels, a sorted
    set under ``<prefix>:group:<name>`` (``RedisChannelLayer._group_key``). Pub/sub layer:
    the Redis connections subscribed to the group, one per process with members in it, so 0
    means no member anywhere. Redis is read with a client of its own, outside any loop.
    """
    layer = get_channel_layer()
    if isinstance(layer, RedisChannelLayer | RedisPubSubChannelLayer):
        client = redis.Redis.from_url(settings.REDIS_URL)
        try:
            if isinstance(layer, RedisChannelLayer):
                return client.zcard(f"{layer.prefix}:group:{group}")
            prefix = layer._kwargs.get("prefix", "asgi")
            [(_name, subscribers)] = client.pubsub_numsub(f"{prefix}__group__{group}")
            return subscribers
        finally:
            client.close()
    return len(layer.groups.get(group, {}))
