"""The admin's ship page for one order: an admin page (header, breadcrumbs, fieldset, the
order admin's stylesheet) with a pick list of what remains, shipping a subset of it."""

import re

import pytest
from django.urls import reverse

from orders.models import Order, OrderItem
from tests.support.pick_lists import pick_lists

pytestmark = pytest.mark.django_db

DETAILS = {"carrier": "dhl", "tracking_number": "JD0001", "notify_customer": "on"}


@pytest.fixture
def three_each(order) -> tuple[OrderItem, OrderItem]:
    """``order``'s two items, three of each ordered."""
    OrderItem.objects.filter(order=order).update(quantity=3)
    first, second = order.items.all()
    return first, second


def test_the_page_is_an_admin_page_with_the_pick_list(admin_client, order, three_each):
    first, second = three_each
    page = admin_client.get(reverse("admin:orders_order_ship", args=[order.pk])).text

    assert '<a href="/admin/">Shop order workflow</a>' in page
    assert re.search(r'<div class="breadcrumbs">.*Orders</a>.*' + order.number, page, re.S)
    assert '<fieldset class="module aligned' in page
    assert 'href="/static/orders/admin.css"' in page
    assert '<th scope="col" class="quantity">Quantity to ship</th>' in page
    assert pick_lists(page) == [
        [[item.product.name, item.product.sku, "3", "0", "3", "3"] for item in (first, second)]
    ]
    assert f'aria-label="Quantity of {first.product.sku} to ship"' in page


def test_it_ships_a_subset_and_then_shows_what_remains(
    admin_client, order, three_each, django_capture_on_commit_callbacks
):
    first, second = three_each
    ship_url = reverse("admin:orders_order_ship", args=[order.pk])
    quantities = {f"quantity_{first.pk}": "1", f"quantity_{second.pk}": "0"}

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(ship_url, {**DETAILS, **quantities}, follow=True)

    assert f"Order {order.number} was partially shipped." in response.text
    [line] = order.shipments.get().lines.all()
    assert (line.item, line.quantity) == (first, 1)
    change_page = admin_client.get(reverse("admin:orders_order_change", args=[order.pk])).text
    assert ship_url in change_page, "more to ship: the link stays"
    assert f"1 x {first.product.sku}" in change_page
    assert pick_lists(admin_client.get(ship_url).text) == [
        [
            [first.product.name, first.product.sku, "3", "1", "2", "2"],
            [second.product.name, second.product.sku, "3", "0", "3", "3"],
        ]
    ]


@pytest.mark.parametrize(
    ("quantities", "error"),
    [
        ({"first": "4", "second": "0"}, "Ensure this value is less than or equal to 3."),
        ({"first": "0", "second": "0"}, "Ship at least one unit."),
        ({"first": "-1", "second": "1"}, "Ensure this value is greater than or equal to 0."),
    ],
)
def test_a_refused_pick_is_shown_on_the_form_and_ships_nothing(
    admin_client, order, three_each, quantities, error
):
    first, second = three_each
    data = {
        **DETAILS,
        f"quantity_{first.pk}": quantities["first"],
        f"quantity_{second.pk}": quantities["second"],
    }

    response = admin_client.post(reverse("admin:orders_order_ship", args=[order.pk]), data)

    assert response.status_code == 200
    assert error in response.text
    assert "Please correct the error below." in response.text
    assert Order.objects.get(pk=order.pk).status == "placed"
    assert not order.shipments.exists()
