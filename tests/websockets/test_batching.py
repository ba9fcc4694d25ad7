"""Per-socket database work is batched per process: few statements, whatever the sockets.

Channels runs every ``database_sync_to_async`` call of a process in one thread, so 10,000
sockets that each made their own call at a heartbeat or a burst of connects would queue
10,000 calls there. These pin the batch functions' statement counts and their answers.
"""

import asyncio
from collections.abc import Sequence

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from notifications.consumers import _feed_heads
from notifications.models import LiveWatcher
from notifications.services import WatcherChange, apply_watcher_changes
from orders.models import OrderEvent
from shop.api.batching import Batcher
from shop.api.websocket_auth import _signed_in_all, _users_for_tokens
from tests.factories import OrderFactory, UserFactory
from tests.support.live_services import maintenance_connection

pytestmark = pytest.mark.django_db(transaction=True)


def test_signed_in_checks_of_many_sockets_take_two_queries(django_assert_num_queries):
    active, inactive = UserFactory.create(), UserFactory.create(is_active=False)
    token = Token.objects.create(user=active).key
    deleted = "0" * 40
    sockets = [(active.pk, None), (inactive.pk, None), (active.pk, token), (active.pk, deleted)]
    sockets += [(UserFactory.create().pk, None) for _ in range(20)]

    with django_assert_num_queries(2):
        answers = _signed_in_all(sockets)

    assert answers[:4] == [True, False, True, False]
    assert all(answers[4:])
    get_user_model().objects.filter(pk=active.pk).update(is_active=False)
    assert _signed_in_all([(active.pk, token)]) == [False]


def test_token_checks_of_many_handshakes_take_one_query(django_assert_num_queries):
    active, inactive = UserFactory.create(), UserFactory.create(is_active=False)
    token = Token.objects.create(user=active).key
    inactive_token = Token.objects.create(user=inactive).key
    keys = [token, inactive_token, "0" * 40] + [
        Token.objects.create(user=UserFactory.create()).key for _ in range(20)
    ]

    with django_assert_num_queries(1):
        users = _users_for_tokens([*keys, token])

    assert users[0] == active
    assert users[-1] == active
    assert users[1:3] == [None, None]  # a deactivated user's token, an unknown key
    assert all(user is not None for user in users[3:])
    Token.objects.filter(key=token).delete()
    assert _users_for_tokens([token]) == [None]


def test_heads_of_many_feeds_take_one_query_per_kind(django_assert_num_queries):
    orders = [OrderFactory.create() for _ in range(3)]
    for position, order in enumerate(orders, start=1):
        OrderEvent.objects.create(order=order, type="placed", position=position)
    feeds = [("all", 0)] * 5
    feeds += [("customer", order.customer_id) for order in orders]
    feeds += [("order", order.pk) for order in orders] + [("order", 999_999)]

    with django_assert_num_queries(3):
        heads = _feed_heads(feeds)

    assert heads == [3] * 5 + [1, 2, 3] + [1, 2, 3] + [0]


def _transaction_control(sql: str) -> bool:
    return sql.split()[0].upper() in {"BEGIN", "COMMIT", "SAVEPOINT", "RELEASE"}


def test_a_batch_of_connects_and_disconnects_is_applied_in_order():
    user = UserFactory.create()
    LiveWatcher.objects.create(
        channel_name="old", user=user, path="/ws/orders/", last_seen_at="2026-01-01T00:00Z"
    )

    def connect(name: str) -> WatcherChange:
        return WatcherChange(
            "connect", channel_name=name, process="p", user_id=user.pk, path="/ws/orders/"
        )

    changes = [connect(f"c{i}") for i in range(50)]
    changes += [
        WatcherChange("disconnect", channel_name="c0"),
        WatcherChange("disconnect", channel_name="old"),
    ]
    changes += [connect("c0")]  # the last change of a channel wins

    with CaptureQueriesContext(connection) as queries:
        apply_watcher_changes(changes=changes)

    statements = [q["sql"].split()[0] for q in queries if not _transaction_control(q["sql"])]
    assert statements == ["DELETE", "INSERT"]  # one delete, one bulk insert

    assert set(LiveWatcher.objects.values_list("channel_name", flat=True)) == {
        f"c{i}" for i in range(50)
    }


@pytest.mark.asyncio
async def test_calls_made_together_share_one_apply():
    calls: list[list[int]] = []

    def apply(items):
        calls.append(list(items))
        return [item * 2 for item in items]

    batcher = Batcher(apply, delay=0.01, max_items=3)

    results = await asyncio.gather(*(batcher.submit(i) for i in range(5)))

    assert results == [0, 2, 4, 6, 8]
    assert calls == [[0, 1, 2], [3, 4]]


def _backend_pids(items: Sequence[int]) -> list[int]:
    """The PostgreSQL backend serving this batch, for each item."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    return [pid for _ in items]


@pytest.mark.services
@pytest.mark.asyncio
@pytest.mark.usefixtures("async_db_closed")
async def test_batches_keep_their_connection_and_replace_one_that_broke():
    """Under ASGI ``CONN_MAX_AGE`` is 0; the batches' thread keeps its connection anyway, and a
    connection the server dropped (a database restart) is replaced, not an error."""
    pids: Batcher[int, int] = Batcher(_backend_pids, delay=0)

    first, again = await pids.submit(1), await pids.submit(2)

    assert first == again, "the second batch reused the first one's connection"

    with maintenance_connection() as server:
        server.execute("SELECT pg_terminate_backend(%s)", [first])
    await asyncio.sleep(0.2)
    assert await pids.submit(3) != first
