"""Warehouse staff see what is in an order's parcels on its admin page (items, shipments with
their lines and tracking events, the order's events), read-only, without the customer's email."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from orders.models import Shipment
from orders.services import ShipLine, record_tracking_event
from tests.factories import StaffFactory
from tests.support.clients import log_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def parcel_in_transit(order, ship):
    """``order`` with one of its two items shipped, its parcel in transit at Springfield."""
    first = order.items.first()
    shipped = ship(order, lines=[ShipLine(item_id=first.pk, quantity=first.quantity)])
    record_tracking_event(
        shipment_id=Shipment.objects.get(order=order).pk,
        event_id="ups-1",
        status="in_transit",
        occurred_at=timezone.now(),
        location="Springfield",
    )
    return shipped


def order_page(client, order) -> str:
    response = client.get(reverse("admin:orders_order_change", args=[order.pk]))
    assert response.status_code == 200
    return response.text


def test_warehouse_staff_see_items_parcels_and_events(client, warehouse_clerk, parcel_in_transit):
    order = parcel_in_transit
    first, second = order.items.all()

    page = order_page(log_in(client, warehouse_clerk), order)

    assert 'id="items-group"' in page
    for item in (first, second):
        assert item.product.sku in page
    assert 'id="shipments-group"' in page
    assert f"{first.quantity} x {first.product.sku}" in page  # the parcel's line
    assert "In transit (Springfield)" in page
    assert 'id="events-group"' in page
    assert "partially_shipped" in page  # the shipped event's payload
    assert order.customer.email not in page
    assert 'name="_save"' not in page


def test_staff_without_the_role_see_none_of_it(client, parcel_in_transit):
    """The group grants it: staff who may only view orders see the order alone."""
    viewer = StaffFactory.create(ship_permission=False)
    viewer.user_permissions.add(
        Permission.objects.get(content_type__app_label="orders", codename="view_order")
    )

    page = order_page(log_in(client, viewer), parcel_in_transit)

    assert parcel_in_transit.number in page
    for group in ("items-group", "shipments-group", "events-group"):
        assert f'id="{group}"' not in page
