"""The server-rendered pages: who may open them and what they show before any live update."""

import pytest
from django.urls import reverse

from orders.services import ship_order
from tests.factories import DEFAULT_PASSWORD, OrderFactory
from tests.support.clients import log_in

pytestmark = pytest.mark.django_db


def test_tracking_page_renders_status_shipment_and_timeline(client, order, customer, ship):
    ship(order)
    page = log_in(client, customer).get(reverse("track-order", args=[order.pk])).text

    assert f"Order {order.number}" in page
    assert 'id="order-status" class="badge badge-shipped">Shipped<' in page
    assert 'href="https://www.ups.com/track?tracknum=1Z0000001"' in page
    assert f'data-position="{order.events.get().position}"' in page
    assert 'aria-live="polite"' in page


def test_the_timeline_shows_a_committed_event_before_its_dispatch(
    client, order, customer, staff, django_capture_on_commit_callbacks
):
    """The position is taken at commit, so the page goes live after it at once; the push,
    when it comes, is at or before ``after`` and not shown twice."""
    with django_capture_on_commit_callbacks(execute=False):
        ship_order(order_id=order.pk, shipped_by=staff, carrier="ups", tracking_number="1Z0000001")
    page = log_in(client, customer).get(reverse("track-order", args=[order.pk])).text

    event = order.events.get()
    assert event.dispatched_at is None
    assert f'data-position="{event.position}"' in page
    assert f'data-after="{event.position}"' in page


def test_tracking_page_hides_the_shipment_until_shipped(client, order, customer):
    page = log_in(client, customer).get(reverse("track-order", args=[order.pk])).text
    assert '<section id="shipment" aria-labelledby="shipment-heading" hidden>' in page


def test_tracking_page_is_404_for_other_customers_and_open_to_staff(
    client, order, other_customer, staff
):
    url = reverse("track-order", args=[order.pk])
    assert log_in(client, other_customer).get(url).status_code == 404
    assert log_in(client, staff).get(url).status_code == 200


def test_pages_need_a_login(client, order):
    for url in (reverse("home"), reverse("track-order", args=[order.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


def test_customer_login_lands_on_their_orders(client, customer, other_customer):
    mine, theirs = (
        OrderFactory.create(customer=customer),
        OrderFactory.create(customer=other_customer),
    )
    response = client.post(
        reverse("login"),
        {"username": customer.username, "password": DEFAULT_PASSWORD},
        follow=True,
    )
    assert mine.number in response.text
    assert theirs.number not in response.text
    assert reverse("track-order", args=[mine.pk]) in response.text


def test_a_wrong_password_is_said_plainly(client, customer):
    response = client.post(reverse("login"), {"username": customer.username, "password": "x"})
    assert "didn't match" in response.text
