"""Every 4xx from the API has one JSON shape: ``detail`` and ``code``, plus ``errors`` on a 400."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import OrderFactory, ProductFactory

pytestmark = pytest.mark.django_db


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == code
    assert isinstance(body["detail"], str)
    assert body["detail"]
    return body


def test_validation_errors_name_each_field(customer_client):
    response = customer_client.post(
        "/api/orders/",
        {"items": [{"product": 1, "quantity": 0}], "shipping_address": ""},
        format="json",
    )
    body = assert_error(response, 400, "invalid")
    assert body["detail"] == "Invalid input."
    assert body["errors"]["shipping_address"] == ["This field may not be blank."]
    assert body["errors"]["items"] == {
        "0": {"quantity": ["Ensure this value is greater than or equal to 1."]}
    }


def test_errors_of_no_single_field_are_non_field_errors(db):
    response = APIClient().post(
        "/api/auth/token/", {"username": "nobody", "password": "wrong"}, format="json"
    )
    body = assert_error(response, 400, "invalid")
    assert body["errors"] == {"non_field_errors": ["Unable to log in with provided credentials."]}


def test_service_level_validation_uses_the_same_format(customer_client):
    inactive = ProductFactory.create(active=False)
    response = customer_client.post(
        "/api/orders/",
        {"items": [{"product": inactive.pk, "quantity": 1}], "shipping_address": "1 Main St"},
        format="json",
    )
    body = assert_error(response, 400, "invalid")
    assert body["errors"] == {"items": [f"Unknown or inactive products: [{inactive.pk}]."]}


def test_malformed_json(customer_client):
    response = customer_client.post("/api/orders/", "{", content_type="application/json")
    body = assert_error(response, 400, "parse_error")
    assert "errors" not in body


def test_missing_credentials(anon_client):
    response = anon_client.get("/api/orders/")
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"


def test_unknown_token(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    body = assert_error(client.get("/api/orders/"), 401, "authentication_failed")
    assert body["detail"] == "Invalid token."


def test_permission_denied(customer_client):
    response = customer_client.post(
        "/api/products/", {"sku": "LAMP-01", "name": "Lamp", "price": "1.00"}, format="json"
    )
    body = assert_error(response, 403, "permission_denied")
    assert body["detail"] == "Only staff allowed to manage the catalogue can change it."


def test_object_not_found(customer_client):
    body = assert_error(customer_client.get("/api/orders/999999/"), 404, "not_found")
    assert body["detail"] == "No Order matches the given query."


@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_unknown_url_under_api_is_a_json_404(customer_client, method):
    response = getattr(customer_client, method)("/api/no-such-thing/")
    body = assert_error(response, 404, "not_found")
    assert body["detail"] == "No API endpoint at /api/no-such-thing/."


def test_unknown_url_needs_no_csrf_token(db):
    """The catch-all answers even a cookie-less POST, which Django would refuse with an HTML 403."""
    response = Client(enforce_csrf_checks=True).post("/api/no-such-thing/")
    assert_error(response, 404, "not_found")


def test_missing_trailing_slash_says_which_url_was_meant(customer_client):
    response = customer_client.post("/api/orders", {}, format="json")
    body = assert_error(response, 404, "not_found")
    assert body["detail"] == "No API endpoint at /api/orders. Did you mean /api/orders/?"


def test_pages_outside_the_api_keep_django_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_method_not_allowed(customer_client, order):
    response = customer_client.delete(f"/api/orders/{order.pk}/")
    body = assert_error(response, 405, "method_not_allowed")
    assert body["detail"] == 'Method "DELETE" not allowed.'
    assert "GET" in response["Allow"]


def test_unsupported_media_type(customer_client):
    response = customer_client.post("/api/orders/", "<order/>", content_type="application/xml")
    body = assert_error(response, 415, "unsupported_media_type")
    assert "application/xml" in body["detail"]


def test_conflict_carries_the_order_status(staff_client, customer, order):
    url = f"/api/orders/{order.pk}/cancel/"
    assert staff_client.post(url).status_code == 200
    body = assert_error(staff_client.post(url), 409, "invalid_transition")
    assert body["status"] == "cancelled"


def test_filters_narrow_lists_and_never_break_a_detail_url(customer_client, customer):
    order = OrderFactory.create(customer=customer)
    assert customer_client.get(f"/api/orders/{order.pk}/?status=shipped").status_code == 200
    assert customer_client.get(f"/api/orders/{order.pk}/events/?status=lost").status_code == 200
    assert_error(customer_client.get("/api/orders/?status=lost"), 400, "invalid")
