"""Two deployments on one Redis server, on different databases, never see each other's pushes.

Redis pub/sub channels ignore the selected database, so the settings give the channel layer a
prefix that names it. Checked on the real Redis: a group message published by a layer
configured for another database is not received; one from a layer for the same database is.
"""

import asyncio

import pytest
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.conf import settings

from shop.settings import redis_url_database
from tests.project.test_settings import run_django

GROUP = "staff"


def prefix_for(database: int) -> tuple[str, str]:
    """REDIS_URL's server on ``database``, and the layer prefix the settings give it."""
    url = settings.REDIS_URL.rsplit("/", 1)[0] + f"/{database}"
    config = run_django("settings.CHANNEL_LAYERS['default']['CONFIG']['prefix']", REDIS_URL=url)
    assert config.returncode == 0, config.stderr
    return url, config.stdout.strip()


def test_the_database_number_is_read_from_either_form_of_url():
    assert redis_url_database("redis://127.0.0.1:6379/7") == 7
    assert redis_url_database("unix:///run/redis.sock?db=3") == 3
    assert redis_url_database("redis://127.0.0.1:6379") == 0


@pytest.mark.services
@pytest.mark.asyncio
async def test_a_push_stays_within_its_database():
    database = redis_url_database(settings.REDIS_URL)
    (url, prefix), (other_url, other_prefix) = prefix_for(database), prefix_for(database + 1)
    mine, same = (RedisPubSubChannelLayer(hosts=[url], prefix=prefix) for _ in range(2))
    neighbour = RedisPubSubChannelLayer(hosts=[other_url], prefix=other_prefix)
    try:
        channel = await mine.new_channel()
        await mine.group_add(GROUP, channel)

        await neighbour.group_send(GROUP, {"type": "order.shipped", "from": "neighbour"})
        await same.group_send(GROUP, {"type": "order.shipped", "from": "same"})

        received = await asyncio.wait_for(mine.receive(channel), timeout=5)
        assert received["from"] == "same"
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(mine.receive(channel), timeout=0.5)
    finally:
        for layer in (mine, neighbour, same):
            await layer.flush()
