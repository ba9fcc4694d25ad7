"""Who may call what: every API endpoint, for every role, with the exact status code.

Read the table as documentation. Each cell is its own test on fresh data, and every caller
authenticates as a real client does, with a token in the ``Authorization`` header.

Roles:
- anonymous: no credentials.
- customer: owns ``{order}`` and the order behind ``{notice}``.
- other_customer: a customer who owns neither.
- staff: staff (``is_staff``) with no permission: sees every order, ships none.
- warehouse: staff in the "Warehouse staff" group (orders, shipping and notices, not the
  catalogue).
- admin: superuser.
- inactive: a customer whose account was deactivated; their token still exists.

Webhooks need staff with the webhooks app's permissions, which only the admin has here.
"""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import (
    DEFAULT_PASSWORD,
    StaffFactory,
    UserFactory,
)
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db

WEBHOOK_URL = "http://127.0.0.1:9/hooks/"

ROLES = ("anonymous", "customer", "other_customer", "staff", "warehouse", "admin", "inactive")
# The fixture each role's user comes from; anonymous callers have none.
ROLE_FIXTURES = {
    "anonymous": None,
    "customer": "customer",
    "other_customer": "other_customer",
    "staff": "staff_without_permissions",
    "warehouse": "warehouse_clerk",
    "admin": "superuser",
    "inactive": "inactive_customer",
}

# fmt: off
MATRIX = [
    # method   path                                             anon cust other staff wh admin inact
    ("POST",   "/api/auth/token/",                              400, 200, 200, 200, 200, 200, 400),
    ("GET",    "/api/schema/",                                  200, 200, 200, 200, 200, 200, 200),
    ("GET",    "/api/docs/",                                    200, 200, 200, 200, 200, 200, 200),
    ("GET",    "/api/",                                         401, 200, 200, 200, 200, 200, 401),
    ("GET",    "/api/products/",                                401, 200, 200, 200, 200, 200, 401),
    ("POST",   "/api/products/",                                401, 403, 403, 403, 403, 201, 401),
    ("GET",    "/api/orders/",                                  401, 200, 200, 200, 200, 200, 401),
    ("POST",   "/api/orders/",                                  401, 201, 201, 201, 201, 201, 401),
    ("GET",    "/api/orders/{order}/",                          401, 200, 404, 200, 200, 200, 401),
    ("DELETE", "/api/orders/{order}/",                          401, 405, 405, 405, 405, 405, 401),
    ("GET",    "/api/orders/{order}/events/",                   401, 200, 404, 200, 200, 200, 401),
    ("POST",   "/api/orders/{order}/ship/",                     401, 403, 404, 403, 200, 200, 401),
    ("POST",   "/api/orders/{order}/cancel/",                   401, 200, 404, 200, 200, 200, 401),
    ("GET",    "/api/warehouse/notices/",                       401, 403, 403, 403, 200, 200, 401),
    ("POST",   "/api/warehouse/notices/{notice}/acknowledge/",  401, 403, 403, 403, 200, 200, 401),
    ("GET",    "/api/webhooks/endpoints/",                      401, 403, 403, 403, 403, 200, 401),
    ("POST",   "/api/webhooks/endpoints/",                      401, 403, 403, 403, 403, 201, 401),
    ("GET",    "/api/webhooks/endpoints/{hook}/",               401, 403, 403, 403, 403, 200, 401),
    ("PATCH",  "/api/webhooks/endpoints/{hook}/",               401, 403, 403, 403, 403, 200, 401),
    ("DELETE", "/api/webhooks/endpoints/{hook}/",               401, 403, 403, 403, 403, 204, 401),
    ("POST",   "/api/webhooks/endpoints/{hook}/rotate-secret/", 401, 403, 403, 403, 403, 200, 401),
    ("GET",    "/api/webhooks/endpoints/{hook}/deliveries/",    401, 403, 403, 403, 403, 200, 401),
    ("POST",   "/api/webhooks/deliveries/{delivery}/retry/",    401, 403, 403, 403, 403, 202, 401),
    ("GET",    "/api/no-such-endpoint/",                        404, 404, 404, 404, 404, 404, 404),
]
# fmt: on

CELLS = [
    pytest.param(method, path, role, expected, id=f"{method} {path} as {role}")
    for method, path, *statuses in MATRIX
    for role, expected in zip(ROLES, statuses, strict=True)
]


@pytest.fixture
def staff_without_permissions(db):
    return StaffFactory(ship_permission=False)


@pytest.fixture
def inactive_customer(db):
    return UserFactory(is_active=False)


def body_for(method: str, path: str, user, product) -> dict | None:
    if path == "/api/auth/token/":
        return {"username": user.username, "password": DEFAULT_PASSWORD} if user else {}
    if (method, path) == ("POST", "/api/products/"):
        return {"sku": "MATRIX-1", "name": "Matrix lamp", "price": "9.90"}
    if (method, path) == ("POST", "/api/orders/"):
        return {"items": [{"product": product.pk, "quantity": 1}], "shipping_address": "1 St"}
    if (method, path) == ("POST", "/api/webhooks/endpoints/"):
        return {"url": WEBHOOK_URL, "events": []}
    if method == "PATCH":
        return {"description": "matrix"}
    if path.endswith("/ship/"):
        return {"carrier": "ups", "tracking_number": "1Z0000001"}
    return None


@pytest.fixture
def webhook_delivery(db) -> Delivery:
    """A test delivery to an endpoint nobody listens on."""
    endpoint = Endpoint.objects.create(url=WEBHOOK_URL, secret="whsec_c2VjcmV0")
    return Delivery.objects.create(endpoint=endpoint, event_type="webhook.test", body="{}")


@pytest.mark.parametrize(("method", "path", "role", "expected"), CELLS)
def test_access(
    request, order, warehouse_notice, product, webhook_delivery, method, path, role, expected
):
    """``order`` and the order behind ``warehouse_notice`` are the customer's."""
    client = APIClient()
    user = request.getfixturevalue(ROLE_FIXTURES[role]) if ROLE_FIXTURES[role] else None
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    url = path.format(
        order=order.pk,
        notice=warehouse_notice.pk,
        hook=webhook_delivery.endpoint_id,
        delivery=webhook_delivery.pk,
    )

    body = body_for(method, path, user, product)
    send = getattr(client, method.lower())

    response = send(url) if body is None else send(url, body, format="json")

    assert response.status_code == expected, response.content[:300]
