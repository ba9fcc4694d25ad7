"""``GET /health/``: is each service the app depends on reachable right now?"""

import asyncio
import logging
from collections.abc import Callable

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from shop.celery import app as celery_app

logger = logging.getLogger(__name__)
TIMEOUT_SECONDS = 2


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def check_channel_layer() -> str:
    async def round_trip() -> None:
        layer = get_channel_layer()
        # The default prefix matters: channels-redis reads every process-local channel of a
        # prefix through one receive loop, and a second prefix would wait on the loop that the
        # open websockets hold, so the check failed whenever a socket was connected.
        channel = await layer.new_channel()
        await layer.send(channel, {"type": "health.ping"})
        await asyncio.wait_for(layer.receive(channel), TIMEOUT_SECONDS)

    async_to_sync(round_trip)()
    return "ok"


def check_broker() -> str:
    if celery_app.conf.task_always_eager:
        return "ok (eager: tasks run in-process)"
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=TIMEOUT_SECONDS)
    return "ok"


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "channel_layer": check_channel_layer,
    "broker": check_broker,
}


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """200 when every check passes, 503 otherwise. Errors are logged, not shown."""
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception:
            logger.exception("Health check %s failed", name)
            results[name] = "unavailable"
    healthy = all(result.startswith("ok") for result in results.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": results},
        status=200 if healthy else 503,
    )
