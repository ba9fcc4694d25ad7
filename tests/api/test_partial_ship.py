"""POST /api/orders/{id}/ship/ with lines: parcels, partial quantities, every refusal."""

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F

from orders.models import Order, OrderEvent, OrderItem, Shipment
from orders.services import cancel_order, record_tracking_event
from tests.factories import OrderFactory, OrderItemFactory

pytestmark = pytest.mark.django_db

SHIP = {"carrier": "ups", "tracking_number": "1Z999AA10123456784"}


@pytest.fixture
def mugs_and_pens(customer) -> tuple[Order, OrderItem, OrderItem]:
    """A placed order of 3 mugs and 2 pens."""
    order = OrderFactory.create(customer=customer, items=0)
    return (
        order,
        OrderItemFactory.create(order=order, quantity=3),
        OrderItemFactory.create(order=order, quantity=2),
    )


def ship(client, order, lines=None, **overrides):
    body = {**SHIP, **overrides} | ({"lines": lines} if lines is not None else {})
    return client.post(f"/api/orders/{order.pk}/ship/", body, format="json")


def test_a_partial_ship_leaves_the_order_partially_shipped(staff_client, mugs_and_pens):
    order, mugs, pens = mugs_and_pens

    response = ship(staff_client, order, [{"item": mugs.pk, "quantity": 2}])

    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "partially_shipped"
    assert [(i["id"], i["quantity"], i["shipped_quantity"]) for i in data["items"]] == [
        (mugs.pk, 3, 2),
        (pens.pk, 2, 0),
    ]
    [parcel] = data["shipments"]
    assert parcel["lines"] == [{"item": mugs.pk, "quantity": 2}]
    assert parcel["status"] == "shipped"
    assert parcel["delivered_at"] is None
    assert parcel["events"] == []
    assert data["shipment"] == parcel


def test_the_second_parcel_without_lines_ships_the_rest(staff_client, mugs_and_pens):
    order, mugs, pens = mugs_and_pens
    ship(staff_client, order, [{"item": mugs.pk, "quantity": 2}])

    response = ship(staff_client, order, tracking_number="1Z999AA10123456785")

    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "shipped"
    assert [i["shipped_quantity"] for i in data["items"]] == [3, 2]
    _first, second = data["shipments"]
    assert second["lines"] == [{"item": mugs.pk, "quantity": 1}, {"item": pens.pk, "quantity": 2}]
    assert data["shipment"] == second
    assert staff_client.get(f"/api/orders/{order.pk}/").json() == data
    assert OrderEvent.objects.filter(order=order, type="shipped").count() == 2


def test_partial_ships_until_everything_has_left(staff_client, mugs_and_pens):
    order, mugs, pens = mugs_and_pens
    steps = [
        ([{"item": mugs.pk, "quantity": 1}], "partially_shipped"),
        ([{"item": mugs.pk, "quantity": 1}, {"item": pens.pk, "quantity": 1}], "partially_shipped"),
        ([{"item": mugs.pk, "quantity": 1}, {"item": pens.pk, "quantity": 1}], "shipped"),
    ]
    for number, (lines, status) in enumerate(steps):
        response = ship(staff_client, order, lines, tracking_number=f"1Z00000{number}")
        assert response.status_code == 200
        assert response.json()["status"] == status
    assert Shipment.objects.filter(order=order).count() == 3


@pytest.mark.parametrize("with_lines", [False, True])
def test_nothing_left_to_ship_is_409(staff_client, mugs_and_pens, with_lines):
    order, mugs, _ = mugs_and_pens
    assert ship(staff_client, order).status_code == 200

    response = ship(staff_client, order, [{"item": mugs.pk, "quantity": 1}] if with_lines else None)

    assert response.status_code == 409
    assert response.json()["status"] == "shipped"
    assert Shipment.objects.filter(order=order).count() == 1


def test_a_cancelled_order_is_409_with_lines(staff_client, customer, mugs_and_pens):
    order, mugs, _ = mugs_and_pens
    cancel_order(order=order, cancelled_by=customer)
    response = ship(staff_client, order, [{"item": mugs.pk, "quantity": 1}])
    assert response.status_code == 409
    assert response.json()["status"] == "cancelled"


def test_a_delivered_order_is_409(staff_client, mugs_and_pens):
    order, _, _ = mugs_and_pens
    ship(staff_client, order)
    record_tracking_event(
        shipment_id=order.shipments.get().pk,
        event_id="ups-1",
        status="delivered",
        occurred_at=Order.objects.get(pk=order.pk).updated_at,
    )
    response = ship(staff_client, order)
    assert response.status_code == 409
    assert response.json()["status"] == "delivered"


def test_a_partially_shipped_order_cannot_be_cancelled(
    customer_client, staff_client, mugs_and_pens
):
    order, mugs, _ = mugs_and_pens
    ship(staff_client, order, [{"item": mugs.pk, "quantity": 1}])
    response = customer_client.post(f"/api/orders/{order.pk}/cancel/")
    assert response.status_code == 409
    assert response.json()["status"] == "partially_shipped"


def bad_lines(order: Order, mugs: OrderItem, pens: OrderItem) -> dict[str, list | str]:
    other = OrderFactory.create(items=1).items.get()
    return {
        "not in the order": [{"item": other.pk, "quantity": 1}],
        "repeated": [{"item": mugs.pk, "quantity": 1}, {"item": mugs.pk, "quantity": 1}],
        "more than remains": [{"item": pens.pk, "quantity": 3}],
        "empty": [],
        "zero": [{"item": mugs.pk, "quantity": 0}],
        "no quantity": [{"item": mugs.pk}],
        "not a list": "all",
    }


@pytest.mark.parametrize(
    "case",
    [
        "not in the order",
        "repeated",
        "more than remains",
        "empty",
        "zero",
        "no quantity",
        "not a list",
    ],
)
def test_bad_lines_are_400_naming_lines(staff_client, mugs_and_pens, case):
    order, mugs, pens = mugs_and_pens
    response = ship(staff_client, order, bad_lines(order, mugs, pens)[case])
    assert response.status_code == 400, response.json()
    assert "lines" in response.json()["errors"]
    assert not Shipment.objects.filter(order=order).exists()
    assert Order.objects.get(pk=order.pk).status == "placed"


def test_more_than_remains_after_a_partial_ship_is_400(staff_client, mugs_and_pens):
    order, mugs, _ = mugs_and_pens
    ship(staff_client, order, [{"item": mugs.pk, "quantity": 2}])
    response = ship(staff_client, order, [{"item": mugs.pk, "quantity": 2}])
    assert response.status_code == 400
    assert "lines" in response.json()["errors"]
    assert OrderItem.objects.get(pk=mugs.pk).shipped_quantity == 2


def test_the_database_refuses_an_over_ship(mugs_and_pens):
    _, mugs, _ = mugs_and_pens
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderItem.objects.filter(pk=mugs.pk).update(shipped_quantity=F("quantity") + 1)


def test_the_shipped_payload_carries_the_parcels_lines(staff_client, mugs_and_pens):
    order, mugs, _ = mugs_and_pens
    ship(staff_client, order, [{"item": mugs.pk, "quantity": 2}])
    event = OrderEvent.objects.get(order=order, type="shipped")
    assert event.shipment == order.shipments.get()
    assert event.payload["shipment_id"] == event.shipment_id
    assert event.payload["status"] == "partially_shipped"
    assert event.payload["lines"] == [
        {"item": mugs.pk, "sku": mugs.product.sku, "name": mugs.product.name, "quantity": 2}
    ]
