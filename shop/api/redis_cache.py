"""Django's Redis cache, with one redis-py client per connection pool instead of one per call.

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` for every cache call;
building one fills its table of about 170 response callbacks, about 0.2 ms of CPU. A request
makes up to three cache calls (the token check, the throttle's read and write), so that was
up to 0.6 ms a request. A ``redis.Redis`` is safe to share between threads (each command takes
a connection from the pool), so each pool's client is built once and kept.
"""

from typing import Any

from django.core.cache.backends import redis as django_redis


class RedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)  # type: ignore[attr-defined]  # not in the stubs
        if (client := self._clients.get(index)) is None:
            client = self._clients.setdefault(index, super().get_client(key, write=write))
        return client


class RedisCache(django_redis.RedisCache):
    """``CACHES`` backend: ``django.core.cache.backends.redis.RedisCache`` otherwise."""

    _class = RedisCacheClient
