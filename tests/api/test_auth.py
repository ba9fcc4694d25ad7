"""Token login and the two ways of authenticating against the API."""

import pytest
from rest_framework.test import APIClient

from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_token_login_returns_a_token_that_authenticates(customer):
    client = APIClient()
    response = client.post(
        "/api/auth/token/",
        {"username": customer.username, "password": DEFAULT_PASSWORD},
        format="json",
    )
    assert response.status_code == 200
    token = response.json()["token"]

    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/orders/").status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"username": "nobody", "password": "wrong"},
        {"username": "customer-x"},
        {},
    ],
)
def test_token_login_refuses_bad_credentials_with_field_errors(db, body):
    response = APIClient().post("/api/auth/token/", body, format="json")
    assert response.status_code == 400
    assert response.json()


def test_inactive_users_get_no_token_and_their_token_stops_working(customer):
    client = APIClient()
    token = client.post(
        "/api/auth/token/",
        {"username": customer.username, "password": DEFAULT_PASSWORD},
        format="json",
    ).json()["token"]
    customer.is_active = False
    customer.save()

    assert (
        client.post(
            "/api/auth/token/",
            {"username": customer.username, "password": DEFAULT_PASSWORD},
            format="json",
        ).status_code
        == 400
    )
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/orders/").status_code == 401


def test_unauthenticated_requests_get_401_with_a_token_challenge(db):
    response = APIClient().get("/api/orders/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_session_login_works_for_the_browsable_api(db):
    user = UserFactory()
    client = APIClient()
    assert client.login(username=user.username, password=DEFAULT_PASSWORD)
    assert client.get("/api/orders/", HTTP_ACCEPT="text/html").status_code == 200


def test_session_writes_need_a_csrf_token(db):
    user = UserFactory()
    client = APIClient(enforce_csrf_checks=True)
    client.login(username=user.username, password=DEFAULT_PASSWORD)
    response = client.post("/api/orders/", {}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
