"""``shop.settings`` plus the channel-layer fix the PostgreSQL + Redis benchmark run needs.

redis-py 8 gives every connection a 5 s socket timeout; channels-redis 4.3 waits in BZPOPMIN
for up to 5 s, so a process whose channels get no message for 5 s raises
``redis.exceptions.TimeoutError`` from ``receive()`` and its websocket consumers die
(django/channels_redis#422, redis/redis-py#4091). Until shop.settings passes a socket timeout
itself, this lifts the limit for URL-only hosts, as redis-py 7 had it.
"""

from shop.settings import *  # noqa: F403
from shop.settings import CHANNEL_LAYERS

_config = CHANNEL_LAYERS["default"]["CONFIG"]
if "hosts" in _config:
    _config["hosts"] = [
        {"address": host, "socket_timeout": None} if isinstance(host, str) else host
        for host in _config["hosts"]
    ]
