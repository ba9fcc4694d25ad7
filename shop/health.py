"""``GET /health/``: is each service the app depends on reachable right now?

A load balancer probes this often and gives up after a second or two, so the answer must come
within a second even when Redis is down or hung. The checks run concurrently, each bounded by
a timeout; one still running at the deadline reports ``timeout``.

The view is async so that the channel-layer check runs on the server's own event loop: the
Redis layer receives on one loop per process, the one the websocket consumers use, and a check
from another loop (a thread's) fails with "Two event loops are trying to receive()".
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from shop.celery import app as celery_app

logger = logging.getLogger(__name__)
# Per check; they run side by side, so /health/ answers in about this.
CHECK_TIMEOUT_SECONDS = 0.5
# The broker check blocks on sockets. Its own pool rather than the loop's default executor,
# which an event loop waits for when it closes (as the test client's does after each request).
BROKER_CHECKS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="health-broker")


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


async def check_channel_layer() -> str:
    layer = get_channel_layer()
    # The default prefix matters: channels-redis reads every process-local channel of a
    # prefix through one receive loop, and a second prefix would wait on the loop that the
    # open websockets hold, so the check failed whenever a socket was connected.
    channel = await layer.new_channel()
    await layer.send(channel, {"type": "health.ping"})
    await layer.receive(channel)
    # Let the channel go: channels-redis's pub/sub layer unsubscribes a channel only when a
    # receive on it is cancelled (as when a consumer exits); otherwise every check would
    # leave one subscription behind in this process.
    waiting = asyncio.ensure_future(layer.receive(channel))
    await asyncio.sleep(0)
    waiting.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await waiting
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


@require_GET
async def health(request: HttpRequest) -> JsonResponse:
    """200 when every check passes, 503 otherwise, with each check's status. Errors are
    logged, not shown."""
    names = ("database", "channel_layer", "broker")
    outcomes = await asyncio.gather(
        # Django's connection belongs to the request's sync thread, which closes it.
        _bounded("database", sync_to_async(check_database)()),
        _bounded("channel_layer", check_channel_layer()),
        # Blocking socket calls, in a thread of their own; their own timeouts end them.
        _bounded("broker", asyncio.get_running_loop().run_in_executor(BROKER_CHECKS, check_broker)),
    )
    results = dict(zip(names, outcomes, strict=True))
    healthy = all(result.startswith("ok") for result in results.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": results},
        status=200 if healthy else 503,
    )


async def _bounded(name: str, check: Awaitable[str]) -> str:
    try:
        return await asyncio.wait_for(check, CHECK_TIMEOUT_SECONDS)
    except TimeoutError:
        logger.error("Health check %s timed out after %ss", name, CHECK_TIMEOUT_SECONDS)
        return "timeout"
    except Exception:
        logger.exception("Health check %s failed", name)
        return "unavailable"
