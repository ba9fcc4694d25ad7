"""Thousands of sockets closing at once on real uvicorn processes, PostgreSQL and Redis leave
no watcher row and no group member behind.

Each close is a ``group_discard`` per group and a watcher-row delete. More discards at once
than redis-py's pool holds fail with ``MaxConnectionsError``; the consumers bound and retry
them (``shop.api.channel_layer``; tests/websockets/test_channel_layer_bounds.py forces that on
a small pool, which this end-to-end test, with the production pool of 1000 per process, does
not reach on a 2-core machine). The row writes go through ``database_sync_to_async``, one
thread per process, so the burst holds one PostgreSQL connection per server process: the test
samples ``pg_stat_activity`` to show it.
"""

import asyncio
import threading
import time

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.db import connection
from rest_framework.authtoken.models import Token
from websockets.asyncio.client import connect

from notifications.channel_groups import customer_channel_group, order_channel_group
from notifications.models import LiveWatcher
from tests.factories import OrderFactory
from tests.support.channel_layer import group_size
from tests.support.live_services import wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

SOCKETS = 2000  # over two uvicorn processes: each process's database work is one thread
OPENING_AT_ONCE = 200  # handshakes in flight, so none times out on the shared 2-core machine
SETTLE_SECONDS = 120


def peak_database_connections(stop: threading.Event, peak: list[int]) -> None:
    """Sample how many connections the test database has until ``stop``; keep the highest."""
    name = connection.settings_dict["NAME"]
    with connection.cursor() as cursor:
        while not stop.is_set():
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", [name])
            peak[0] = max(peak[0], cursor.fetchone()[0])
            time.sleep(0.05)
    connection.close()


def test_thousands_of_sockets_closing_at_once_leave_no_rows_and_no_group_members(asgi_server):
    servers = (asgi_server(), asgi_server())
    order = OrderFactory.create()
    token = Token.objects.create(user=order.customer).key
    groups = (order_channel_group(order.pk), customer_channel_group(order.customer_id))
    assert [group_size(group) for group in groups] == [0, 0]
    paths = [f"/ws/orders/{order.pk}/", "/ws/orders/"]

    async def open_all() -> list:
        slots = asyncio.Semaphore(OPENING_AT_ONCE)

        async def open_one(index: int):
            server, path = servers[index % 2], paths[index // 2 % 2]
            async with slots:
                return await connect(
                    f"{server.ws}{path}",
                    additional_headers={"Authorization": f"Token {token}"},
                    open_timeout=60,
                )

        return await asyncio.gather(*(open_one(index) for index in range(SOCKETS)))

    async def scenario() -> float:
        """Open every socket, then close them all at once; returns when the closing began."""
        sockets = await open_all()
        await sync_to_async(wait_for)(
            lambda: LiveWatcher.objects.count() == SOCKETS,
            timeout=SETTLE_SECONDS,
            what="every connect to be recorded",
        )
        closing = time.monotonic()
        await asyncio.gather(*(socket.close() for socket in sockets))
        return closing

    stop, peak = threading.Event(), [0]
    sampler = threading.Thread(target=peak_database_connections, args=(stop, peak))
    opening = time.monotonic()
    sampler.start()
    try:
        closing = async_to_sync(scenario)()
        wait_for(
            lambda: not LiveWatcher.objects.exists(),
            timeout=SETTLE_SECONDS,
            what="every disconnect to delete its watcher row",
        )
        settled = time.monotonic()
    finally:
        stop.set()
        sampler.join()

    assert [group_size(group) for group in groups] == [0, 0]
    # The test and its sampler, one per uvicorn process, and room for autovacuum: a handful,
    # whatever the number of sockets, far below PostgreSQL's max_connections (100).
    assert peak[0] < 10, f"{peak[0]} connections to the test database at the peak"
    print(
        f"\n{SOCKETS} sockets: opened in {closing - opening:.1f}s, clean {settled - closing:.1f}s"
        f" after closing began; peak {peak[0]} database connections"
    )
