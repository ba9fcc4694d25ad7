"""OrderSerializer builds its output directly (``orders.serializers.order_data``), and
``GET /api/orders/{id}/`` from plain rows (``selectors.order_detail_rows``): both must be
exactly what DRF's field-by-field pass over the declared fields gives, which the schema
describes."""

from datetime import timedelta

import pytest
from rest_framework import serializers

from orders import selectors
from orders.models import Order, ShipmentStatus
from orders.serializers import OrderSerializer
from orders.services import ShipLine, record_tracking_event, ship_order
from tests.factories import OrderFactory, OrderItemFactory

pytestmark = pytest.mark.django_db


def declared_fields_output(order: Order) -> dict:
    """What the declared fields give, DRF's way, nested serializers included."""
    return serializers.ModelSerializer.to_representation(OrderSerializer(), order)


def loaded(order: Order) -> Order:
    return selectors.with_details(Order.objects.all()).get(pk=order.pk)


def read(client, order: Order) -> dict:
    response = client.get(f"/api/orders/{order.pk}/")
    assert response.status_code == 200
    return response.json()


def test_a_placed_order(customer, customer_client):
    order = OrderFactory.create(customer=customer, items=0)
    OrderItemFactory.create(order=order, quantity=3)
    OrderItemFactory.create(order=order, quantity=1)
    order = loaded(order)
    data = OrderSerializer(order).data
    assert data == declared_fields_output(order)
    assert read(customer_client, order) == data
    assert data["shipment"] is None
    assert data["shipments"] == []


def test_an_order_without_items(customer, customer_client):
    order = OrderFactory.create(customer=customer, items=0)
    assert read(customer_client, order) == declared_fields_output(loaded(order))


def test_an_order_in_two_parcels_with_tracking_events(customer, staff, staff_client):
    order = OrderFactory.create(customer=customer, items=0)
    mugs = OrderItemFactory.create(order=order, quantity=3)
    OrderItemFactory.create(order=order, quantity=2)
    ship_order(
        order_id=order.pk,
        shipped_by=staff,
        carrier="ups",
        tracking_number="1Z999AA10123456784",
        lines=[ShipLine(item_id=mugs.pk, quantity=2)],
    )
    shipped = ship_order(
        order_id=order.pk, shipped_by=staff, carrier="dhl", tracking_number="JD0123456789"
    )
    first = shipped.shipments.all()[0]
    for number, status in enumerate([ShipmentStatus.IN_TRANSIT, ShipmentStatus.DELIVERED]):
        record_tracking_event(
            shipment_id=first.pk,
            event_id=f"ups-{number}",
            status=status,
            occurred_at=first.shipped_at - timedelta(hours=2 - number),
            location="Leeds",
            message="Scanned",
        )
    order = loaded(order)
    data = OrderSerializer(order).data
    assert data == declared_fields_output(order)
    assert read(staff_client, order) == data
    assert [len(shipment["events"]) for shipment in data["shipments"]] == [2, 0]
    assert data["shipments"][0]["delivered_at"] is not None
    assert data["shipment"] == data["shipments"][-1]


def test_the_ship_response_is_the_same_as_a_fresh_read(staff_client, customer):
    order = OrderFactory.create(customer=customer)
    response = staff_client.post(
        f"/api/orders/{order.pk}/ship/",
        {"carrier": "ups", "tracking_number": "1Z999AA10123456784"},
        format="json",
    )
    assert response.status_code == 200
    assert response.json() == declared_fields_output(loaded(order))
