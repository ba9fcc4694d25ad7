"""Query counts for the order list and for ship are pinned and do not grow with the data."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import OrderFactory, StaffFactory
from tests.support.clients import client_for

pytestmark = pytest.mark.django_db

# count, orders with their shipment, items with their products.
ORDER_LIST_QUERIES = 3
# view 3 (the order; the caller's own and group permissions) + ship_order 6 (savepoint, lock,
# shipment, status, event, release) + response 2 (order, items) + feed position 8 (savepoint,
# lock the sequence, event, last position in the order's and in the customer's feed, sequence,
# event, release) + dispatch 2 (event, mark dispatched) + email receiver 4 + notice receiver 5
# (items snapshot, get_or_create) + email task 4 + notice task 4 (each: claim, attempt number,
# the row, record the outcome).
SHIP_QUERIES = 38


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


def ship_queries(django_capture_on_commit_callbacks, items: int) -> int:
    """A new caller each time: a request loads its user's permissions afresh."""
    staff_client = client_for(StaffFactory())
    order = OrderFactory(items=items)

    def post_ship():
        with django_capture_on_commit_callbacks(execute=True):
            response = staff_client.post(
                f"/api/orders/{order.pk}/ship/",
                {"carrier": "ups", "tracking_number": "1Z0000001"},
                format="json",
            )
        assert response.status_code == 200

    return count_queries(post_ship)


def test_ship_queries_are_fixed(django_capture_on_commit_callbacks):
    """The request, its three receivers and both (eager) delivery tasks, for 1 and 8 items."""
    small = ship_queries(django_capture_on_commit_callbacks, items=1)
    large = ship_queries(django_capture_on_commit_callbacks, items=8)
    assert small == large == SHIP_QUERIES
