"""Settings for ``make bench``: production's ``shop.settings`` plus one bench-only URL.

Everything the stack reads from the environment (DATABASE_URL, REDIS_URL, DJANGO_PRODUCTION,
the email settings) is read by ``shop.settings`` as in production. The only difference is the
URL configuration, which adds ``/bench/limit/``: the machine's limit for this server (a trivial
authenticated DRF view that touches no database, no cache and no channel layer).
"""

from shop.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
