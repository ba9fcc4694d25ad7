"""Concurrent ships through two server processes while clients come and go at random: every
client ends with every event of its feed exactly once, in position order.

Event ids are given at insert and commits land in any order, so this is the case where a
cursor on ids loses events; positions are committed in numeric order, so ``?after=`` does not.
"""

import asyncio
import random
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import pytest
from asgiref.sync import async_to_sync
from rest_framework.authtoken.models import Token

from examples.watch_orders import watch
from orders.models import OrderEvent
from tests.factories import OrderFactory, StaffFactory, UserFactory
from tests.live_services import ASGIServer
from tests.test_live_servers import SHIP, post_json

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ORDERS = 200
CUSTOMERS = 5
SHIPPERS = 10  # staff users: 20 ships each, well under the write throttle (60/min)
SHIPPING_THREADS = 12
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
    customers = [UserFactory() for _ in range(CUSTOMERS)]
    orders = [OrderFactory(customer=customers[n % CUSTOMERS]) for n in range(ORDERS)]
    shippers = [Token.objects.create(user=StaffFactory()).key for _ in range(SHIPPERS)]
    watched = customers[0]
    feeds = {
        "staff": (shippers[0], ORDERS),
        "customer": (Token.objects.create(user=watched).key, ORDERS // CUSTOMERS),
    }
    steady, restless = (
        [
            Client(f"{kind} {role} {n}", token, expected)
            for kind, (token, expected) in feeds.items()
            for n in range(CLIENTS_PER_KIND)
        ]
        for role in ("steady", "restless")
    )

    def ship(n: int) -> int:
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
            statuses = await loop.run_in_executor(None, lambda: list(pool.map(ship, range(ORDERS))))
        shipping.set_result(None)
        await asyncio.wait_for(asyncio.gather(*running), DEADLINE_SECONDS)
        return statuses

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
    ids = list(events.values_list("id", flat=True))
    assert ids != sorted(ids), "some commits must land out of id order, or this proves nothing"
