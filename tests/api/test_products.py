"""GET /api/products/ for any signed-in user; POST for staff only."""

from decimal import Decimal

import pytest

from orders.models import Product
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def test_customers_see_active_products_staff_see_all(customer_client, staff_client):
    active, inactive = ProductFactory.create(), ProductFactory.create(active=False)

    customer_skus = [p["sku"] for p in customer_client.get("/api/products/").json()["results"]]
    staff_skus = [p["sku"] for p in staff_client.get("/api/products/").json()["results"]]

    assert customer_skus == [active.sku]
    assert sorted(staff_skus) == sorted([active.sku, inactive.sku])


def test_anonymous_cannot_list_products(anon_client):
    assert anon_client.get("/api/products/").status_code == 401


def test_catalogue_managers_create_a_product(superuser_client):
    response = superuser_client.post(
        "/api/products/", {"sku": "LAMP-01", "name": "Desk lamp", "price": "39.90"}, format="json"
    )
    assert response.status_code == 201
    assert response.json()["sku"] == "LAMP-01"
    assert Product.objects.get(sku="LAMP-01").price == Decimal("39.90")


@pytest.mark.parametrize("role", ["customer", "staff without catalogue permission", "warehouse"])
def test_others_cannot_create_products(customer_client, staff_client, warehouse_clerk_client, role):
    client = {
        "customer": customer_client,
        "staff without catalogue permission": staff_client,
        "warehouse": warehouse_clerk_client,
    }[role]
    response = client.post(
        "/api/products/", {"sku": "LAMP-01", "name": "Desk lamp", "price": "39.90"}, format="json"
    )
    assert response.status_code == 403
    assert not Product.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"sku": "lower case", "name": "x", "price": "1.00"}, "sku"),
        ({"sku": "OK-1", "name": "x", "price": "-1.00"}, "price"),
        ({"sku": "OK-1", "name": "x", "price": "abc"}, "price"),
        ({"sku": "OK-1", "price": "1.00"}, "name"),
        ({"sku": "DUP-1", "name": "x", "price": "1.00"}, "sku"),
    ],
)
def test_bad_products_are_refused_naming_the_field(superuser_client, body, field):
    ProductFactory.create(sku="DUP-1")
    response = superuser_client.post("/api/products/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
