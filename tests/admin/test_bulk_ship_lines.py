"""The admin's "Ship selected orders" action: a pick list per order, shipping exactly the
quantities picked through ship_order, and refusals shown on the form, never a 500."""

import pytest
from django.urls import reverse

from orders.models import Order, OrderItem, Shipment
from orders.services import ShipLine
from tests.factories import OrderFactory
from tests.support.pick_lists import pick_lists

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders() -> tuple[Order, Order]:
    """Two placed orders of two items, three of each ordered."""
    placed = OrderFactory.create_batch(2, items=2)
    OrderItem.objects.filter(order__in=placed).update(quantity=3)
    return placed[0], placed[1]


def items(order: Order) -> list[OrderItem]:
    return list(order.items.all())


def selection(*orders: Order) -> dict:
    return {"action": "ship_selected", "_selected_action": [order.pk for order in orders]}


def applied(*orders: Order, quantities: dict[OrderItem, int]) -> dict:
    """The bulk form as sent: DHL, a tracking number per order, and the quantities given."""
    tracking = {f"tracking_{order.pk}": f"JD{order.pk:010d}" for order in orders}
    picked = {f"quantity_{item.pk}": str(n) for item, n in quantities.items()}
    return {**selection(*orders), "apply": "1", "carrier": "dhl", **tracking, **picked}


def post(admin_client, data: dict, **kwargs):
    return admin_client.post(reverse("admin:orders_order_changelist"), data, **kwargs)


def shipped(order: Order) -> dict[int, int]:
    """Each item's shipped quantity, by item id."""
    return dict(OrderItem.objects.filter(order=order).values_list("id", "shipped_quantity"))


def test_the_page_lists_each_orders_lines_with_what_remains(admin_client, orders, ship):
    first, second = orders
    one, two = items(first)
    ship(first, lines=[ShipLine(item_id=one.pk, quantity=2)])

    page = post(admin_client, selection(first, second)).text

    assert f"<caption>Pick list of {first.number}</caption>" in page
    assert f"<caption>Pick list of {second.number}</caption>" in page
    assert pick_lists(page) == [
        [
            [one.product.name, one.product.sku, "3", "2", "1", "1"],
            [two.product.name, two.product.sku, "3", "0", "3", "3"],
        ],
        [[item.product.name, item.product.sku, "3", "0", "3", "3"] for item in items(second)],
    ]


def test_it_ships_exactly_the_quantities_picked(
    admin_client, orders, django_capture_on_commit_callbacks
):
    first, second = orders
    one, two = items(first)
    three, four = items(second)
    # Nothing sent for four: all that remains of it, as the form's default would send.
    data = applied(first, second, quantities={one: 1, two: 0, three: 3})

    with django_capture_on_commit_callbacks(execute=True):
        response = post(admin_client, data, follow=True)

    assert f"Order {first.number} was partially shipped." in response.text
    assert f"Order {second.number} was shipped." in response.text
    assert shipped(first) == {one.pk: 1, two.pk: 0}
    assert shipped(second) == {three.pk: 3, four.pk: 3}
    [line] = Shipment.objects.get(order=first).lines.all()
    assert (line.item_id, line.quantity) == (one.pk, 1)

    again = post(admin_client, selection(first)).text
    assert [row[2:] for row in pick_lists(again)[0]] == [["3", "1", "2", "2"], ["3", "0", "3", "3"]]


@pytest.mark.parametrize(
    ("picked", "error"),
    [
        ({"one": 4, "two": 0}, "Ensure this value is less than or equal to 3."),
        ({"one": 0, "two": 0}, "Ship at least one unit of order {number}, or leave it out"),
    ],
)
def test_a_refused_pick_is_shown_on_the_form_and_ships_no_order(
    admin_client, orders, picked, error
):
    first, second = orders
    one, two = items(first)
    data = applied(first, second, quantities={one: picked["one"], two: picked["two"]})

    response = post(admin_client, data)

    assert response.status_code == 200
    assert error.format(number=first.number) in response.text
    assert "Please correct the error below." in response.text
    assert not Shipment.objects.exists(), "the other order, valid, waits for the form too"


def test_units_another_clerk_shipped_meanwhile_are_refused_on_the_form(admin_client, orders, ship):
    first, _second = orders
    one, two = items(first)
    page = post(admin_client, selection(first)).text
    assert pick_lists(page)[0][0][-1] == "3"
    ship(first, lines=[ShipLine(item_id=one.pk, quantity=2)])  # someone else, in between

    response = post(admin_client, applied(first, quantities={one: 3, two: 3}))

    assert response.status_code == 200
    assert "Ensure this value is less than or equal to 1." in response.text
    assert shipped(first) == {one.pk: 2, two.pk: 0}


def test_with_nothing_left_to_ship_it_goes_back_to_the_list(admin_client, orders, ship):
    first, _second = orders
    ship(first)

    response = post(admin_client, selection(first), follow=True)

    assert response.redirect_chain[-1][0] == reverse("admin:orders_order_changelist")
    assert f"Order {first.number} is shipped: nothing left to ship." in response.text
    assert Shipment.objects.filter(order=first).count() == 1
