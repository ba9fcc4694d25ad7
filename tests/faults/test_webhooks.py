"""Webhooks through the faults email survives: Redis stopped while orders ship, the worker
SIGKILLed again and again mid-delivery, PostgreSQL restarted mid-delivery. Every event reaches
the receiver, verified, and the only duplicates are retries with the same ``webhook-id``."""

import json
import time
from collections import Counter

import pytest

from tests.support.fault_services import ship
from tests.support.live_services import wait_for
from tests.support.webhook_receiver import Answer, ScriptedReceiver, running_receiver

pytestmark = [pytest.mark.services, pytest.mark.faults]

ORDERS = 12
KILLS = 4

_REGISTER = """
from tests.factories import AdminFactory
from webhooks.services import create_endpoint
endpoint = create_endpoint(
    url={url!r}, events=["order.shipped"], description="faults",
    created_by=AdminFactory(username="faults-integrator"),
)
print(endpoint.secret)
"""


@pytest.fixture
def receiver(faults):
    with running_receiver() as receiver:
        result = faults.manage_shell(_REGISTER.format(url=receiver.url))
        assert result.returncode == 0, result.stderr
        receiver.secret = result.stdout.strip().splitlines()[-1]
        yield receiver


def shipped_numbers(receiver: ScriptedReceiver) -> Counter:
    """Order numbers of the verified deliveries received, counted per ``webhook-id``."""
    by_id: dict[str, set[str]] = {}
    for received in receiver.received:
        assert received.verified, received.answer
        number = json.loads(received.body)["data"]["order"]["number"]
        by_id.setdefault(received.headers["webhook-id"], set()).add(number)
    assert all(len(numbers) == 1 for numbers in by_id.values()), "one event per webhook-id"
    return Counter(next(iter(numbers)) for numbers in by_id.values())


def test_redis_stopped_while_orders_ship(faults, receiver):
    shop = faults.create_orders(ORDERS)
    web = faults.start_web()
    faults.worker.start()

    faults.redis.stop()
    assert [ship(web.http, order.id, shop.staff_token) for order in shop.orders] == [200] * ORDERS
    assert receiver.received == []
    faults.redis.start()

    wait_for(
        lambda: len({r.headers["webhook-id"] for r in receiver.received}) >= ORDERS,
        timeout=90,
        what="a delivery of every shipped order",
    )
    assert shipped_numbers(receiver) == Counter(order.number for order in shop.orders)
    assert faults.scalar("SELECT count(*) FROM webhooks_delivery") == ORDERS
    wait_for(
        lambda: (
            faults.scalar("SELECT count(*) FROM webhooks_delivery WHERE status <> 'succeeded'") == 0
        ),
        what="every delivery recorded as succeeded",
    )


def test_worker_killed_while_delivering(faults, receiver):
    shop = faults.create_orders(ORDERS)
    web = faults.start_web()
    receiver.answers = [Answer(delay=0.5)] * (3 * ORDERS)  # slow, so kills land mid-delivery
    faults.worker.start()
    assert [ship(web.http, order.id, shop.staff_token) for order in shop.orders] == [200] * ORDERS

    for _ in range(KILLS):
        seen = len(receiver.received)
        wait_for(lambda seen=seen: len(receiver.received) > seen, what="a delivery under way")
        faults.worker.kill()  # the receiver is still waiting before it answers
        faults.worker.start()

    wait_for(
        lambda: (
            faults.scalar("SELECT count(*) FROM webhooks_delivery WHERE status = 'succeeded'")
            == ORDERS
        ),
        timeout=120,
        what="every delivery succeeded after the kills",
    )
    time.sleep(1)
    numbers = shipped_numbers(receiver)
    assert set(numbers) == {order.number for order in shop.orders}, "none lost"
    assert set(numbers.values()) == {1}, "one webhook-id per event: duplicates are retries"
    attempts = faults.scalar("SELECT count(*) FROM webhooks_attempt")
    assert len(receiver.received) >= attempts >= ORDERS


def test_postgres_restarted_while_delivering(faults, receiver):
    shop = faults.create_orders(ORDERS)
    web = faults.start_web()
    receiver.answers = [Answer(delay=0.3)] * (3 * ORDERS)
    faults.worker.start()
    assert [ship(web.http, order.id, shop.staff_token) for order in shop.orders] == [200] * ORDERS
    wait_for(lambda: len(receiver.received) >= 3, what="deliveries under way")

    faults.postgres.restart()  # cuts the worker's session while a receiver is answering
    wait_for(
        lambda: (
            faults.scalar("SELECT count(*) FROM webhooks_delivery WHERE status = 'succeeded'")
            == ORDERS
        ),
        timeout=90,
        what="every delivery succeeded after the restart",
    )
    numbers = shipped_numbers(receiver)
    assert set(numbers) == {order.number for order in shop.orders}, "none lost"
    assert set(numbers.values()) == {1}, "one webhook-id per event"
    # The send that the restart interrupted was recorded once the database was back.
    assert faults.scalar("SELECT count(*) FROM webhooks_attempt") == len(receiver.received)
