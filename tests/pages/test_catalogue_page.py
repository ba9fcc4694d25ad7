"""The catalogue page: a signed-in customer orders through ``place_order`` and lands on the
order's tracking page; bad input is shown on the form, never a 500, and nothing is ordered."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from orders.models import Order, OrderEvent, Product
from tests.factories import ProductFactory
from tests.support.clients import log_in

pytestmark = pytest.mark.django_db

URL = reverse("catalogue")
ADDRESS = "Alice Example\n1 Demo Street\nSpringfield"


@pytest.fixture
def products(db):
    return [
        ProductFactory.create(name="Enamel camping mug", price=Decimal("12.50")),
        ProductFactory.create(name="Canvas tote bag", price=Decimal("18.90")),
    ]


@pytest.fixture
def shopper(client, customer) -> Client:
    return log_in(client, customer)


def quantity(product) -> str:
    return f"quantity_{product.pk}"


def test_the_page_needs_a_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={URL}"


def test_the_page_lists_what_can_be_ordered(shopper, products):
    ProductFactory.create(name="Retired lamp", active=False)
    page = shopper.get(URL).text

    assert "Enamel camping mug" in page
    assert '<span class="product-price">12.50</span>' in page
    assert f'name="{quantity(products[1])}"' in page
    assert "Retired lamp" not in page
    assert 'name="csrfmiddlewaretoken"' in page
    assert "<script" not in page, "no inline script under the CSP"
    assert " style=" not in page, "no inline style under the CSP"


def test_the_nav_and_an_empty_order_list_link_to_it(shopper):
    page = shopper.get(reverse("home")).text
    assert page.count(f'href="{URL}"') == 2


def test_placing_an_order_goes_through_the_service_to_the_tracking_page(
    shopper, customer, products
):
    crlf = ADDRESS.replace("\n", "\r\n")  # as a browser sends a textarea's lines
    response = shopper.post(
        URL, {quantity(products[0]): "2", quantity(products[1]): "", "shipping_address": crlf}
    )

    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("track-order", args=[order.pk])
    assert order.customer == customer
    assert order.status == "placed"
    assert order.shipping_address == ADDRESS
    assert [(item.product, item.quantity, item.unit_price) for item in order.items.all()] == [
        (products[0], 2, Decimal("12.50"))
    ]
    assert list(OrderEvent.objects.values_list("type", flat=True)) == ["placed"]


def test_csrf_is_required(customer, products):
    client = log_in(Client(enforce_csrf_checks=True), customer)
    response = client.post(URL, {quantity(products[0]): "1", "shipping_address": ADDRESS})
    assert response.status_code == 403
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"shipping_address": ADDRESS}, "Choose a quantity of at least one product."),
        ({"first": "0", "shipping_address": ADDRESS}, "Choose a quantity of at least one product."),
        ({"first": "two", "shipping_address": ADDRESS}, "Enter a whole number."),
        ({"first": "-1", "shipping_address": ADDRESS}, "greater than or equal to 0"),
        ({"first": "1001", "shipping_address": ADDRESS}, "less than or equal to 1000"),
        ({"first": "1"}, "This field is required."),
        ({"first": "1", "shipping_address": "x" * 501}, "at most 500 characters"),
        ({"first": "1", "shipping_address": "1 Road\x07"}, "Use printable characters"),
    ],
)
def test_bad_input_is_shown_on_the_form(shopper, products, data, error):
    if "first" in data:
        data[quantity(products[0])] = data.pop("first")

    response = shopper.post(URL, data)

    assert response.status_code == 200
    assert error in response.text
    assert 'class="error"' in response.text
    assert not Order.objects.exists()


def test_every_mistake_is_shown_at_once(shopper, products):
    page = shopper.post(URL, {"shipping_address": ""}).text
    assert "Choose a quantity of at least one product." in page
    assert "This field is required." in page


def test_what_was_entered_is_kept_on_an_error(shopper, products):
    page = shopper.post(URL, {quantity(products[1]): "3", "shipping_address": ""}).text
    assert (
        f'id="id_{quantity(products[1])}" min="0" max="1000" inputmode="numeric" value="3"' in page
    )


def test_a_product_retired_since_the_page_was_shown_is_refused(shopper, products):
    products[1].active = False
    products[1].save()

    response = shopper.post(
        URL, {quantity(products[0]): "1", quantity(products[1]): "1", "shipping_address": ADDRESS}
    )

    assert response.status_code == 200
    assert "no longer available" in response.text
    assert not Order.objects.exists()


def test_the_service_refusal_is_shown_on_the_form(shopper, products, monkeypatch):
    """A product retired between the form's check and the service's locked read: the
    service's own error reaches the page."""
    form_products = list(Product.objects.all())
    monkeypatch.setattr("orders.pages.orderable_products", lambda: form_products)
    products[0].active = False
    products[0].save()

    response = shopper.post(URL, {quantity(products[0]): "1", "shipping_address": ADDRESS})

    assert response.status_code == 200
    assert f"Unknown or inactive products: [{products[0].pk}]." in response.text
    assert not Order.objects.exists()
