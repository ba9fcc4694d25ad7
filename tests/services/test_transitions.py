"""Every order transition, allowed and refused, and the rules the database itself enforces."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from orders.exceptions import InvalidTransition
from orders.models import Order, OrderEvent, OrderItem, Shipment, ShipmentLine
from orders.services import OrderLine, cancel_order, place_order
from tests.factories import OrderFactory, ProductFactory

pytestmark = pytest.mark.django_db


def test_place_order_snapshots_prices_and_records_placed_event(customer):
    mug, pen = (
        ProductFactory.create(price=Decimal("12.50")),
        ProductFactory.create(price=Decimal("3.00")),
    )
    order = place_order(
        customer=customer,
        lines=[OrderLine(product_id=mug.pk, quantity=2), OrderLine(product_id=pen.pk, quantity=1)],
        shipping_address="1 Main St",
    )
    mug.price = Decimal("99.00")
    mug.save()

    order.refresh_from_db()
    assert order.status == Order.Status.PLACED
    assert order.total == Decimal("28.00")
    assert sorted(order.items.values_list("unit_price", flat=True)) == [
        Decimal("3.00"),
        Decimal("12.50"),
    ]
    event = order.events.get()
    assert event.type == OrderEvent.Type.PLACED
    assert event.payload["total"] == "28.00"
    assert event.payload["order_number"] == order.number


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ("empty", "at least one item"),
        ("duplicate", "only once"),
        ("inactive", "inactive"),
        ("unknown", "Unknown"),
    ],
)
def test_place_order_refuses_bad_lines(customer, lines, message):
    product = ProductFactory.create()
    inactive = ProductFactory.create(active=False)
    lines = {
        "empty": [],
        "duplicate": [OrderLine(product.pk, 1), OrderLine(product.pk, 2)],
        "inactive": [OrderLine(inactive.pk, 1)],
        "unknown": [OrderLine(product.pk + inactive.pk + 1000, 1)],
    }[lines]
    with pytest.raises(ValidationError, match=message):
        place_order(customer=customer, lines=lines, shipping_address="1 Main St")
    assert not Order.objects.exists()


def test_ship_placed_order(order, staff, ship):
    shipped = ship(order, tracking_number="1Z999AA10123456784", notify_customer=False)

    assert shipped.status == Order.Status.SHIPPED
    shipment = Shipment.objects.get(order=order)
    assert shipment.shipped_by == staff
    assert shipment.notify_customer is False
    assert shipment.tracking_url == "https://www.ups.com/track?tracknum=1Z999AA10123456784"
    event = order.events.get(type=OrderEvent.Type.SHIPPED)
    assert event.payload["tracking_url"] == shipment.tracking_url
    assert event.payload["status"] == "shipped"


def test_cancel_placed_order(order, customer):
    cancelled = cancel_order(order=order, cancelled_by=customer)

    assert cancelled.status == Order.Status.CANCELLED
    assert order.events.get().payload["cancelled_by"] == customer.username


@pytest.mark.parametrize("first", ["ship", "cancel"])
@pytest.mark.parametrize("second", ["ship", "cancel"])
def test_only_placed_orders_move(order, staff, ship, first, second):
    actions = {
        "ship": lambda: ship(order),
        "cancel": lambda: cancel_order(order=order, cancelled_by=staff),
    }
    actions[first]()
    status_after_first = Order.objects.get(pk=order.pk).status

    with pytest.raises(InvalidTransition) as excinfo:
        actions[second]()

    assert excinfo.value.status == status_after_first
    assert Order.objects.get(pk=order.pk).status == status_after_first
    assert Shipment.objects.filter(order=order).count() == (1 if first == "ship" else 0)
    assert order.events.count() == 1


def test_ship_uses_the_current_row_not_a_stale_instance(order, ship):
    stale = Order.objects.get(pk=order.pk)
    ship(order)
    with pytest.raises(InvalidTransition):
        ship(stale, tracking_number="SECOND-1234")
    assert Shipment.objects.count() == 1


@pytest.mark.parametrize("overrides", [{"carrier": "pigeon"}, {"tracking_number": "no spaces"}])
def test_ship_refuses_bad_input(order, ship, overrides):
    with pytest.raises(ValidationError):
        ship(order, **overrides)
    assert Order.objects.get(pk=order.pk).status == Order.Status.PLACED


@pytest.mark.parametrize(
    ("model_change", "constraint"),
    [
        (lambda order: OrderItem.objects.filter(order=order).update(quantity=0), "quantity"),
        (lambda order: Order.objects.filter(pk=order.pk).update(status="lost"), "status"),
        (
            lambda order: OrderEvent.objects.bulk_create(
                [OrderEvent(order=order, type="shipped"), OrderEvent(order=order, type="shipped")]
            ),
            "event once",
        ),
    ],
)
def test_database_refuses_invalid_rows(order, model_change, constraint):
    with pytest.raises(IntegrityError), transaction.atomic():
        model_change(order)


def test_database_ships_an_item_once_per_parcel(order, staff, ship):
    ship(order)
    line = ShipmentLine.objects.first()
    assert line is not None
    with pytest.raises(IntegrityError), transaction.atomic():
        ShipmentLine.objects.create(shipment=line.shipment, item=line.item, quantity=1)


def test_order_numbers_are_unique_and_readable(customer):
    product = ProductFactory.create()
    numbers = {
        place_order(
            customer=customer, lines=[OrderLine(product.pk, 1)], shipping_address="x"
        ).number
        for _ in range(20)
    }
    assert len(numbers) == 20
    assert all(len(number) == 13 and number[6] == "-" for number in numbers)


def test_factory_orders_are_placed(order):
    assert order.status == Order.Status.PLACED
    assert OrderFactory.create(items=3).items.count() == 3
