"""``GET /health/``: is each service the app depends on reachable right now?

A load balancer probes this often and gives up after a second or two, so the answer must come
within a second even when Redis is down or hung. The two Redis checks (channel layer and
broker) each have a bounded timeout and run concurrently in threads, while the database is
checked in the request's own thread: Django's connections are per thread, and one opened in a
pool thread would never be closed. A check still running at the deadline reports ``timeout``.
"""

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from shop.celery import app as celery_app

logger = logging.getLogger(__name__)
# Per Redis check; they run side by side, so /health/ answers in about this plus the database.
CHECK_TIMEOUT_SECONDS = 0.5


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
        await layer.receive(channel)

    async def bounded() -> None:
        # The layer's connections have no read timeout (idle websockets wait on them).
        await asyncio.wait_for(round_trip(), CHECK_TIMEOUT_SECONDS)

    async_to_sync(bounded)()
    return "ok"


def check_broker() -> str:
    if celery_app.conf.task_always_eager:
        return "ok (eager: tasks run in-process)"
    timeouts = {
        "socket_connect_timeout": CHECK_TIMEOUT_SECONDS,
        "socket_timeout": CHECK_TIMEOUT_SECONDS,
    }
    with celery_app.connection_for_write(
        connect_timeout=CHECK_TIMEOUT_SECONDS,
        transport_options={**celery_app.conf.broker_transport_options, **timeouts},
    ) as conn:
        conn.ensure_connection(max_retries=0, timeout=CHECK_TIMEOUT_SECONDS)
    return "ok"


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "channel_layer": check_channel_layer,
    "broker": check_broker,
}
# Checks that touch no Django database connection, so they may run in another thread.
CONCURRENT_CHECKS = ("channel_layer", "broker")


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """200 when every check passes, 503 otherwise, with each check's status. Errors are
    logged, not shown."""
    pool = ThreadPoolExecutor(max_workers=len(CONCURRENT_CHECKS), thread_name_prefix="health")
    try:
        futures = {name: pool.submit(CHECKS[name]) for name in CONCURRENT_CHECKS}
        results = {
            name: _run(name, check)
            for name, check in CHECKS.items()
            if name not in CONCURRENT_CHECKS
        }
        wait(futures.values(), timeout=CHECK_TIMEOUT_SECONDS + 0.1)
        results |= {name: _result(name, future) for name, future in futures.items()}
    finally:
        pool.shutdown(wait=False, cancel_futures=True)  # a hung check ends on its own timeout
    healthy = all(result.startswith("ok") for result in results.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": results},
        status=200 if healthy else 503,
    )


def _run(name: str, check: Callable[[], str]) -> str:
    try:
        return check()
    except Exception:
        logger.exception("Health check %s failed", name)
        return "unavailable"


def _result(name: str, future: Future) -> str:
    if not future.done():
        logger.error("Health check %s timed out after %ss", name, CHECK_TIMEOUT_SECONDS)
        return "timeout"
    if exc := future.exception():
        logger.error("Health check %s failed", name, exc_info=exc)
        return "unavailable"
    return future.result()
