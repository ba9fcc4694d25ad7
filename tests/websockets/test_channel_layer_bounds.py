"""Group operations in a burst never fail on a full Redis connection pool.

redis-py's pool refuses (``MaxConnectionsError``) instead of waiting once all its connections
are out. A pool of 20 stands in for ``REDIS_HOST["max_connections"]``: far more joins and
leaves at once than it holds must all complete (``shop.api.channel_layer`` bounds and retries).
"""

import asyncio
import uuid

import pytest
from channels.layers import get_channel_layer

from shop.api import channel_layer as layer
from tests.support.channel_layer import group_size

pytestmark = [pytest.mark.services, pytest.mark.asyncio]

POOL = 20
CHANNELS = 600


@pytest.fixture
def small_pool(settings):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [{"address": settings.REDIS_URL, "max_connections": POOL}]},
        }
    }


@pytest.mark.usefixtures("small_pool")
async def test_a_burst_of_joins_and_leaves_completes_on_a_small_pool():
    channel_layer = get_channel_layer()
    group = f"test.burst.{uuid.uuid4().hex}"
    channels = [await channel_layer.new_channel() for _ in range(CHANNELS)]
    try:
        await asyncio.gather(*(layer.join(channel_layer, group, name) for name in channels))
        assert group_size(group) == CHANNELS

        await asyncio.gather(*(layer.leave(channel_layer, group, name) for name in channels))
        assert group_size(group) == 0
    finally:
        await channel_layer.close_pools()
