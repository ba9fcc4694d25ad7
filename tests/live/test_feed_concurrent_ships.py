"""Concurrent ships through two server processes while clients come and go at random: every
client ends with every event of its feed exactly once, in position order.

Ships begin and commit in any order; positions are committed in numeric order (taken in
each ship's transaction, under the sequence row's lock), so ``?after=`` loses nothing.
Some ships run in the test process, whose receivers are disconnected: positioned, never
pushed, so the clients that stay connected must notice the gaps and fill them.
"""

import asyncio
import random
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest
from asgiref.sync import async_to_sync
from django.db import connection
from rest_framework.authtoken.models import Token

from examples.watch_orders import watch
from orders.models import OrderEvent
from orders.services import ship_order
from tests.factories import OrderFactory, StaffFactory, UserFactory
from tests.support.live_services import SHIP, ASGIServer, post_json
from tests.support.wiring import ORDER_RECEIVERS, disconnected

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ORDERS = 200
CUSTOMERS = 5
SHIPPERS = 10  # staff users: 20 ships each, well under the write throttle (60/min)
SHIPPING_THREADS = 12
SILENT_EVERY = 10  # every tenth ship is never pushed
CLIENTS_PER_KIND = 2  # per feed, steady (connected throughout) and restless
DEADLINE_SECONDS = 40


@dataclass
class Client:
    """One watcher of one feed, and every position it delivered."""

    name: str
    token: str
    expected: int
    positions: list[int] = field(default_factory=list)
    connections: int = 0

    def record(self, message: dict) -> None:
        self.positions.append(message["position"])

    async def steady(self, server: ASGIServer) -> None:
        self.connections = 1
        await watch(server.ws, self.token, on_event=self.record, max_events=self.expected)

    async def restless(self, servers: list[ASGIServer], shipping: asyncio.Future) -> None:
        """Watch for a random moment, drop the socket, come back to the other server with
        ``after`` = the last position delivered; once shipping is over, stay until done."""
        rng = random.Random(self.name)
        while not shipping.done():
            self.connections += 1
            task = asyncio.create_task(self.watch(servers[self.connections % 2]))
            await asyncio.wait([task, shipping], timeout=rng.uniform(0.05, 0.6))
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        self.connections += 1
        if remaining := self.expected - len(self.positions):
            await self.watch(servers[0], max_events=remaining)

    async def watch(self, server: ASGIServer, max_events: int | None = None) -> None:
        after = self.positions[-1] if self.positions else 0
        await watch(server.ws, self.token, on_event=self.record, after=after, max_events=max_events)


def test_every_client_gets_every_event_once_in_order(asgi_server):
    servers = [asgi_server(), asgi_server()]
    customers = [UserFactory.create() for _ in range(CUSTOMERS)]
    watched, staff = customers[0], StaffFactory.create()
    # The watched customer's orders are n % 5 == 0, so the silent ones (n % 10 == 5) are theirs,
    # and so is the last one, shipped through a server once all others are in: its push shows
    # a gap at the tail (without it, only the next heartbeat's head would, after 60 s).
    orders = [
        OrderFactory.create(customer=watched if n == ORDERS - 1 else customers[n % CUSTOMERS])
        for n in range(ORDERS)
    ]
    shippers = [Token.objects.create(user=StaffFactory.create()).key for _ in range(SHIPPERS)]
    feeds = {
        "staff": (shippers[0], ORDERS),
        "customer": (
            Token.objects.create(user=watched).key,
            sum(order.customer == watched for order in orders),
        ),
    }
    steady, restless = (
        [
            Client(f"{kind} {role} {n}", token, expected)
            for kind, (token, expected) in feeds.items()
            for n in range(CLIENTS_PER_KIND)
        ]
        for role in ("steady", "restless")
    )

    def ship_nth(n: int) -> int:
        if n % SILENT_EVERY == SILENT_EVERY // 2:
            ship_order(
                order_id=orders[n].pk,
                shipped_by=staff,
                carrier=SHIP["carrier"],
                tracking_number=SHIP["tracking_number"],
            )
            connection.close()  # this thread's; the test database is dropped at the end
            return 200
        url = f"{servers[n % 2].http}/api/orders/{orders[n].pk}/ship/"
        return post_json(url, SHIP, shippers[n % SHIPPERS])[0]

    async def scenario() -> list[int]:
        loop = asyncio.get_running_loop()
        shipping = loop.create_future()
        running = [
            *(asyncio.create_task(c.steady(servers[n % 2])) for n, c in enumerate(steady)),
            *(asyncio.create_task(c.restless(servers, shipping)) for c in restless),
        ]
        await asyncio.sleep(1)  # the steady ones subscribe: most of theirs arrive live
        with ThreadPoolExecutor(SHIPPING_THREADS) as pool:
            work = range(ORDERS - 1)
            statuses = await loop.run_in_executor(None, lambda: list(pool.map(ship_nth, work)))
        statuses.append(await loop.run_in_executor(None, ship_nth, ORDERS - 1))
        shipping.set_result(None)
        await asyncio.wait_for(asyncio.gather(*running), DEADLINE_SECONDS)
        return statuses

    with disconnected(*ORDER_RECEIVERS):
        statuses = async_to_sync(scenario)()

    assert statuses == [200] * ORDERS
    events = OrderEvent.objects.filter(type="shipped").order_by("position")
    expected = {
        "staff": list(events.values_list("position", flat=True)),
        "customer": list(events.filter(order__customer=watched).values_list("position", flat=True)),
    }
    for client in [*steady, *restless]:
        assert client.positions == expected[client.name.split()[0]], client.name
    assert all(client.connections > 2 for client in restless)
    # A shipment's id is given before its ship takes a position (which waits for the ships
    # ahead): ships that overlapped and finished in another order than they began show here.
    began = list(events.values_list("shipment_id", flat=True))
    assert began != sorted(began), "some ships must overtake others, or this proves nothing"
