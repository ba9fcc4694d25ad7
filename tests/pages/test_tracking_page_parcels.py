"""The tracking page's parcels: each with its lines, status, progress steps and tracking events."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.services import ShipLine, record_tracking_event
from tests.support.clients import log_in

pytestmark = pytest.mark.django_db


def test_every_parcel_shows_its_lines_status_and_events(client, order, customer, ship):
    first_item, second_item = order.items.all()
    ship(order, tracking_number="1Z0000PAGE1", lines=[ShipLine(item_id=first_item.pk, quantity=1)])
    parcel = order.shipments.get()
    record_tracking_event(
        shipment_id=parcel.pk,
        event_id="page-1",
        status="out_for_delivery",
        occurred_at=timezone.now() - timedelta(minutes=1),
        location="Springfield depot",
    )

    page = log_in(client, customer).get(reverse("track-order", args=[order.pk])).text

    assert 'id="order-status" class="badge badge-partially_shipped">Partially shipped<' in page
    assert f'data-shipment-id="{parcel.pk}" data-status="out_for_delivery"' in page
    assert f"<li>1 \N{MULTIPLICATION SIGN} {first_item.product.name}</li>" in page
    assert "Out for delivery, Springfield depot" in page
    for step in ("shipped", "in_transit", "out_for_delivery", "delivered"):
        assert f'data-step="{step}"' in page
    assert f'<td data-label="Shipped" id="item-{second_item.pk}-shipped">0</td>' in page


def test_no_parcels_before_the_first_ship(client, order, customer):
    page = log_in(client, customer).get(reverse("track-order", args=[order.pk])).text
    assert '<section id="parcels" aria-labelledby="parcels-heading" hidden>' in page
