"""Every API body is JSON ending with a newline, so ``curl`` leaves the prompt on a line of
its own: answers, errors rendered by DRF, and the API's own 404."""

import json

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def assert_json_line(content: bytes) -> dict:
    assert content.endswith(b"}\n")
    assert content.count(b"\n") == 1, "compact JSON, one line"
    return json.loads(content)


def test_an_answer_ends_with_a_newline(customer_client, order):
    response = customer_client.get(f"/api/orders/{order.pk}/", HTTP_ACCEPT="application/json")

    assert response.status_code == 200
    assert assert_json_line(response.content)["id"] == order.pk


def test_an_error_ends_with_a_newline():
    response = APIClient().get("/api/orders/", HTTP_ACCEPT="application/json")

    assert response.status_code == 401
    assert assert_json_line(response.content)["code"] == "not_authenticated"


def test_a_validation_error_ends_with_a_newline(customer_client):
    response = customer_client.post("/api/orders/", {}, format="json")

    assert response.status_code == 400
    assert "items" in assert_json_line(response.content)["errors"]


def test_the_api_404_ends_with_a_newline(customer_client):
    response = customer_client.get("/api/nowhere/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert assert_json_line(response.content) == {
        "detail": "No API endpoint at /api/nowhere/.",
        "code": "not_found",
    }
