"""Concurrent partial ships on PostgreSQL: the order's row lock serialises them, so two that
both ask for the last units get one parcel and one refusal, never an over-shipped item; and
concurrent tracking events of one parcel leave it at the latest one's status."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from orders.exceptions import InvalidTransition
from orders.models import Order, OrderItem, Shipment, TrackingEvent
from orders.services import ShipLine, record_tracking_event, ship_order
from tests.factories import OrderFactory, OrderItemFactory

pytestmark = pytest.mark.django_db(transaction=True)

RACERS = 6


@pytest.fixture(autouse=True)
def _postgres_only(only_receivers) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite lets only one transaction write at a time")
    only_receivers()  # the dispatch is beside the point


def race(calls) -> list[str]:
    """Run the calls at once, each in its own connection; return how each ended."""
    start = threading.Barrier(len(calls))

    def run(call) -> str:
        start.wait()
        try:
            call()
            return "shipped"
        except InvalidTransition:
            return "409"
        except ValidationError:
            return "400"
        finally:
            connection.close()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


@pytest.mark.parametrize("with_lines", [True, False])
def test_racing_for_the_last_units_ships_them_once(staff, with_lines):
    order = OrderFactory.create(items=0)
    item = OrderItemFactory.create(order=order, quantity=3)
    ship_order(
        order_id=order.pk,
        shipped_by=staff,
        carrier="ups",
        tracking_number="1Z0000FIRST",
        lines=[ShipLine(item_id=item.pk, quantity=1)],
    )
    lines = [ShipLine(item_id=item.pk, quantity=2)] if with_lines else None

    def ship_rest(index: int):
        return lambda: ship_order(
            order_id=order.pk,
            shipped_by=staff,
            carrier="ups",
            tracking_number=f"1Z0000RACE{index}",
            lines=lines,
        )

    outcomes = race([ship_rest(index) for index in range(RACERS)])

    assert outcomes.count("shipped") == 1, outcomes
    assert set(outcomes) <= {"shipped", "400", "409"}
    assert OrderItem.objects.get(pk=item.pk).shipped_quantity == 3
    assert Shipment.objects.filter(order=order).count() == 2
    assert Order.objects.get(pk=order.pk).status == "shipped"


def test_concurrent_partial_ships_of_different_items_all_succeed(staff):
    order = OrderFactory.create(items=RACERS)
    items = list(order.items.all())

    def ship_one(item: OrderItem):
        return lambda: ship_order(
            order_id=order.pk,
            shipped_by=staff,
            carrier="ups",
            tracking_number=f"1Z0000ITEM{item.pk}",
            lines=[ShipLine(item_id=item.pk, quantity=item.quantity)],
        )

    assert race([ship_one(item) for item in items]) == ["shipped"] * RACERS
    assert Order.objects.get(pk=order.pk).status == "shipped"
    assert all(item.shipped_quantity == item.quantity for item in OrderItem.objects.all())


def test_concurrent_tracking_events_leave_the_latest_status(staff):
    order = OrderFactory.create(items=1)
    ship_order(order_id=order.pk, shipped_by=staff, carrier="ups", tracking_number="1Z0000TRACK")
    parcel = order.shipments.get()
    now = timezone.now()
    statuses = [
        "in_transit",
        "in_transit",
        "out_for_delivery",
        "exception",
        "in_transit",
        "delivered",
    ]

    def report(index: int):
        return lambda: record_tracking_event(
            shipment_id=parcel.pk,
            event_id=f"race-{index}",
            status=statuses[index],
            occurred_at=now - timedelta(minutes=len(statuses) - index),
        )

    race([report(index) for index in reversed(range(len(statuses)))])

    parcel.refresh_from_db()
    assert parcel.status == "delivered"
    assert TrackingEvent.objects.filter(shipment=parcel).count() == len(statuses)
    assert Order.objects.get(pk=order.pk).status == "delivered"
