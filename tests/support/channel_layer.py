"""Listen on channel-layer groups from sync tests, on the in-memory or the Redis layer.

channels-redis binds a channel's receive buffer to the event loop that first reads it, so
all reads of a subscription happen in one ``drain`` call (one loop).
"""

import asyncio

import redis
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels_redis.core import RedisChannelLayer
from django.conf import settings


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
    return async_to_sync(_join)(groups)


def drain(channels: dict[str, str], timeout: float = 0.5) -> dict[str, list[dict]]:
    """Every message waiting for each group's channel, then leave the groups. Call once."""
    return async_to_sync(_drain)(channels, timeout)


def group_size(group: str) -> int:
    """How many channels are members of ``group`` now, on the in-memory or the Redis layer.

    channels-redis keeps a group as a sorted set under ``<prefix>:group:<name>``
    (``RedisChannelLayer._group_key``); it is read with a client of its own, outside any loop.
    """
    layer = get_channel_layer()
    if isinstance(layer, RedisChannelLayer):
        client = redis.Redis.from_url(settings.REDIS_URL)
        try:
            return client.zcard(f"{layer.prefix}:group:{group}")
        finally:
            client.close()
    return len(layer.groups.get(group, {}))
