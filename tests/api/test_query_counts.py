"""Query counts for the order list and for ship are pinned and do not grow with the data."""

import re
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from celery.signals import task_postrun, task_prerun
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import OrderFactory, StaffFactory

pytestmark = pytest.mark.django_db

# count, orders, items with their products, shipments, their lines, their tracking events.
ORDER_LIST_QUERIES = 6
# What the web request sends, BEGIN/COMMIT (here SAVEPOINT/RELEASE) included, with the token
# cache warm: ship_order 9 (savepoint, the order and its items with their products read and
# locked at once, the shipment, its lines, the items' shipped quantities, the next feed
# position, the order's status and position (returning the customer's last position), the
# event, release) and the dispatch's mark. The receivers only enqueue; the response is built
# from what the service returned.
SHIP_REQUEST_STATEMENTS = 10
# The three tasks the receivers enqueue (eager here): the email's 8 (the event, the parcel's
# lines for the text, the log inserted unless there, its id and status, then claim, attempt
# number, the row, the outcome), the notice's 11 (the event, the parcel's lines,
# get_or_create 4, then the same 4 to deliver, and its status read back for the board's live
# push) and the webhooks' 1 (the active endpoints: none here).
SHIP_TASK_STATEMENTS = 20
ORDER_TABLE = re.compile(r'(FROM|JOIN) "orders_order"( |$)')


def count_queries(action) -> int:
    with CaptureQueriesContext(connection) as captured:
        action()
    return len(captured)


@pytest.mark.parametrize(("orders", "items"), [(1, 1), (15, 6)])
def test_order_list_queries_are_fixed(staff_client, staff, orders, items):
    for order in OrderFactory.create_batch(orders, items=items)[::2]:
        staff_client.post(
            f"/api/orders/{order.pk}/ship/", {"carrier": "ups", "tracking_number": "1Z0000001"}
        )

    def list_orders():
        response = staff_client.get("/api/orders/")
        assert response.status_code == 200
        assert len(response.json()["results"]) == orders

    assert count_queries(list_orders) == ORDER_LIST_QUERIES


class Statements:
    """Every statement on the connection in the block, split into those the web request sent
    and those of the (eager) Celery tasks it enqueued, told apart by Celery's own
    ``task_prerun`` / ``task_postrun`` signals."""

    def __init__(self) -> None:
        self.request: list[str] = []
        self.tasks: list[str] = []
        self._depth = 0
        self._seen = 0

    def _sort(self, captured: CaptureQueriesContext) -> None:
        new = [query["sql"] for query in captured.captured_queries[self._seen :]]
        self._seen += len(new)
        (self.tasks if self._depth else self.request).extend(new)

    @contextmanager
    def capture(self) -> Iterator[None]:
        with CaptureQueriesContext(connection) as captured:

            def started(**kwargs) -> None:
                self._sort(captured)
                self._depth += 1

            def finished(**kwargs) -> None:
                self._sort(captured)
                self._depth -= 1

            task_prerun.connect(started, weak=False)
            task_postrun.connect(finished, weak=False)
            try:
                yield
            finally:
                task_prerun.disconnect(started)
                task_postrun.disconnect(finished)
        self._sort(captured)


def ship_statements(django_capture_on_commit_callbacks, token_client, items: int) -> Statements:
    order = OrderFactory.create(items=items)
    statements = Statements()
    with statements.capture(), django_capture_on_commit_callbacks(execute=True):
        response = token_client.post(
            f"/api/orders/{order.pk}/ship/",
            {"carrier": "ups", "tracking_number": "1Z0000001"},
            format="json",
        )
    assert response.status_code == 200
    assert len(response.json()["items"]) == items
    return statements


@pytest.fixture
def token_client(django_capture_on_commit_callbacks):
    """A staff client with a DRF token, as in production, after one request warmed the
    token cache."""
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=StaffFactory.create())}"
    )
    assert client.get("/api/orders/").status_code == 200
    return client


@pytest.mark.parametrize("items", [1, 10, 30])
def test_a_ship_sends_at_most_ten_statements_whatever_its_items(
    django_capture_on_commit_callbacks, token_client, items
):
    """The web request of a ship (the view, the service, the dispatch and its receivers),
    with the order's row read once; the tasks it enqueued are counted apart."""
    statements = ship_statements(django_capture_on_commit_callbacks, token_client, items)

    assert len(statements.request) == SHIP_REQUEST_STATEMENTS <= 10, statements.request
    order_reads = [sql for sql in statements.request if ORDER_TABLE.search(sql)]
    # The order's row is read once, with its items, locked (PostgreSQL: FOR UPDATE OF both).
    [row_read] = [sql for sql in order_reads if sql.startswith("SELECT")]
    assert 'FROM "orders_orderitem" INNER JOIN "orders_order"' in row_read
    assert "FOR UPDATE" in row_read or connection.vendor == "sqlite"
    # Its one write returns the customer's last feed position, from the index on
    # (customer, last_position); no read of the event table.
    [order_write] = [sql for sql in order_reads if sql.startswith("UPDATE")]
    assert "RETURNING (SELECT MAX(last_position)" in order_write
    assert not [
        sql for sql in statements.request if sql.startswith("SELECT") and "orderevent" in sql
    ]
    assert len(statements.tasks) == SHIP_TASK_STATEMENTS, statements.tasks
