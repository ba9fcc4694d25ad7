"""Only a placed order is edited or deleted in the admin: once a parcel has left, or the order
is cancelled, its page is read-only, with no Save or Delete, even for a superuser; shipping what
remains still works."""

import pytest
from django.urls import reverse

from orders.models import Order
from orders.services import ShipLine, cancel_order
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["partially_shipped", "shipped", "cancelled"])
def history(request, order, ship, customer) -> Order:
    """``order``, no longer placed."""
    first = order.items.first()
    if request.param == "cancelled":
        return cancel_order(order=order, cancelled_by=customer)
    if request.param == "partially_shipped":
        return ship(order, lines=[ShipLine(item_id=first.pk, quantity=1)])
    return ship(order)


def change_url(order: Order) -> str:
    return reverse("admin:orders_order_change", args=[order.pk])


def test_a_placed_order_has_save_and_delete(admin_client, order):
    page = admin_client.get(change_url(order)).text

    assert 'name="_save"' in page
    assert 'class="deletelink"' in page
    assert 'name="shipping_address"' in page


def test_an_order_that_is_history_has_neither(admin_client, history):
    page = admin_client.get(change_url(history)).text

    assert f"{history.number} | View order" in page
    assert 'name="_save"' not in page
    assert 'class="deletelink"' not in page
    assert 'name="shipping_address"' not in page


def test_its_change_and_delete_are_refused(admin_client, history):
    address = history.shipping_address
    delete_url = reverse("admin:orders_order_delete", args=[history.pk])

    assert admin_client.post(change_url(history), {"shipping_address": "x"}).status_code == 403
    assert admin_client.get(delete_url).status_code == 403
    assert admin_client.post(delete_url, {"post": "yes"}).status_code == 403
    assert Order.objects.get(pk=history.pk).shipping_address == address


def test_delete_selected_refuses_it_and_deletes_nothing(admin_client, history):
    placed = OrderFactory.create()
    selection = {"action": "delete_selected", "_selected_action": [placed.pk, history.pk]}
    changelist = reverse("admin:orders_order_changelist")

    page = admin_client.post(changelist, selection).text
    admin_client.post(changelist, {**selection, "post": "yes"})

    assert "<h1>Cannot delete orders</h1>" in page
    assert Order.objects.filter(pk__in=[placed.pk, history.pk]).count() == 2


def test_what_remains_still_ships_from_the_page(admin_client, history):
    ship_url = reverse("admin:orders_order_ship", args=[history.pk])
    page = admin_client.get(change_url(history)).text

    if history.status == "partially_shipped":
        assert ship_url in page
        data = {"carrier": "dhl", "tracking_number": "JD0002"}
        response = admin_client.post(ship_url, data, follow=True)
        assert f"Order {history.number} was shipped." in response.text
    else:
        assert ship_url not in page, "nothing remains to ship"
