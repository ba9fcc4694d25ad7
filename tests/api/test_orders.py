"""Placing, listing and reading orders through the API, per role."""

from decimal import Decimal

import pytest

from orders.models import Order
from orders.services import ship_order
from tests.factories import OrderFactory, ProductFactory

pytestmark = pytest.mark.django_db

ORDER_FIELDS = {
    "id",
    "number",
    "status",
    "items",
    "total",
    "shipping_address",
    "created_at",
    "shipment",
    "shipments",
}


def test_customer_places_an_order(customer_client, customer, django_capture_on_commit_callbacks):
    mug, pen = (
        ProductFactory.create(price=Decimal("12.50")),
        ProductFactory.create(price=Decimal("2.00")),
    )
    body = {
        "items": [{"product": mug.pk, "quantity": 2}, {"product": pen.pk, "quantity": 3}],
        "shipping_address": "1 Main St\nSpringfield",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = customer_client.post("/api/orders/", body, format="json")

    assert response.status_code == 201
    data = response.json()
    assert set(data) == ORDER_FIELDS
    assert data["status"] == "placed"
    assert data["total"] == "31.00"
    assert data["shipment"] is None
    assert [(i["sku"], i["quantity"], i["unit_price"]) for i in data["items"]] == [
        (mug.sku, 2, "12.50"),
        (pen.sku, 3, "2.00"),
    ]
    order = Order.objects.get(pk=data["id"])
    assert order.customer == customer
    assert order.events.get().dispatched_at is not None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"items": [], "shipping_address": "x"}, "items"),
        ({"shipping_address": "x"}, "items"),
        ({"items": [{"product": "PRODUCT", "quantity": 0}], "shipping_address": "x"}, "items"),
        ({"items": [{"product": "PRODUCT", "quantity": 1}]}, "shipping_address"),
        (
            {"items": [{"product": "PRODUCT", "quantity": 1}], "shipping_address": ""},
            "shipping_address",
        ),
        ({"items": [{"product": "PRODUCT", "quantity": 1001}], "shipping_address": "x"}, "items"),
        ({"items": [{"product": "INACTIVE", "quantity": 1}], "shipping_address": "x"}, "items"),
        ({"items": [{"product": 999999, "quantity": 1}], "shipping_address": "x"}, "items"),
        (
            {
                "items": [
                    {"product": "PRODUCT", "quantity": 1},
                    {"product": "PRODUCT", "quantity": 2},
                ],
                "shipping_address": "x",
            },
            "items",
        ),
        ({"items": "not a list", "shipping_address": "x"}, "items"),
        (
            {"items": [{"product": "PRODUCT", "quantity": 1}], "shipping_address": "x" * 501},
            "shipping_address",
        ),
    ],
)
def test_bad_orders_get_400_naming_the_field(customer_client, body, field):
    ids = {
        "PRODUCT": ProductFactory.create().pk,
        "INACTIVE": ProductFactory.create(active=False).pk,
    }
    if isinstance(body.get("items"), list):
        body["items"] = [
            {**item, "product": ids.get(item["product"], item["product"])} for item in body["items"]
        ]

    response = customer_client.post("/api/orders/", body, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Order.objects.exists()


def test_malformed_json_is_a_400(customer_client):
    response = customer_client.post("/api/orders/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"
    assert response.json()["detail"].startswith("JSON parse error")


def test_anonymous_cannot_place_orders(anon_client):
    assert anon_client.post("/api/orders/", {}, format="json").status_code == 401


def test_customers_list_only_their_own_orders(customer_client, customer, other_customer):
    own = OrderFactory.create_batch(2, customer=customer)
    OrderFactory.create(customer=other_customer)

    data = customer_client.get("/api/orders/").json()

    assert data["count"] == 2
    assert sorted(o["id"] for o in data["results"]) == sorted(o.pk for o in own)


def test_staff_list_every_order_paginated(staff_client):
    OrderFactory.create_batch(23)

    first = staff_client.get("/api/orders/").json()
    second = staff_client.get(first["next"]).json()

    assert first["count"] == 23
    assert len(first["results"]) == 20
    assert len(second["results"]) == 3


def test_orders_filter_by_status(staff_client, staff):
    placed, shipped = OrderFactory.create(), OrderFactory.create()
    ship_order(order_id=shipped.pk, shipped_by=staff, carrier="ups", tracking_number="1Z0000001")

    data = staff_client.get("/api/orders/", {"status": "shipped"}).json()

    assert [o["id"] for o in data["results"]] == [shipped.pk]
    assert data["results"][0]["shipment"]["tracking_number"] == "1Z0000001"
    assert placed.pk not in [o["id"] for o in data["results"]]


def test_unknown_status_filter_is_a_400(staff_client):
    response = staff_client.get("/api/orders/", {"status": "lost"})
    assert response.status_code == 400
    assert "status" in response.json()["errors"]


def test_order_detail_for_owner_and_staff(order, customer_client, staff_client):
    for client in (customer_client, staff_client):
        response = client.get(f"/api/orders/{order.pk}/")
        assert response.status_code == 200
        assert set(response.json()) == ORDER_FIELDS
        assert Decimal(response.json()["total"]) == order.total


def test_other_customers_orders_are_404(order, other_customer_client, anon_client):
    assert other_customer_client.get(f"/api/orders/{order.pk}/").status_code == 404
    assert other_customer_client.get("/api/orders/999999/").status_code == 404
    assert anon_client.get(f"/api/orders/{order.pk}/").status_code == 401
