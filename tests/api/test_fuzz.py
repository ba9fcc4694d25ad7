"""Schemathesis fuzzes every operation in the OpenAPI schema against the real stack.

It runs in the real-services pass (marked ``services``): PostgreSQL, Redis for the cache and the
broker, a Celery worker and an SMTP server. Requests go through Django's WSGI application in this
process; each operation's test commits (``transaction=True``), so ship and cancel run their
receivers and tasks as in production. Every operation is fuzzed twice: as a customer and as
staff, each with a token made by the fixture, against orders, notices and products it made.

Schemathesis' default checks apply: no 5xx; status code, content type, headers and body as the
schema says; schema-valid requests accepted; credentials not ignored; undocumented methods
refused with 405. One is off: ``negative_data_rejection`` fails any schema-invalid request that
is accepted, and DRF accepts ``"5"`` for an integer and ``0`` for a boolean by design. On top,
each operation must succeed at least once, except staff-only ones called by the customer, which
must never succeed.

The budget is fixed: ``MAX_EXAMPLES`` generated requests per operation and role, on top of
Schemathesis' examples and coverage cases, with a fixed seed so that CI is repeatable
(``FUZZ_SEED=<n>`` explores other inputs). On the 2-core CI machine the module takes about a
minute and a half.
"""

import collections
import os

import hypothesis
import pytest
import schemathesis
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.config import SchemathesisConfig

from orders.models import OrderEvent, Shipment
from orders.services import ship_order
from shop.wsgi import application
from tests.factories import (
    DEFAULT_PASSWORD,
    OrderFactory,
    ProductFactory,
)
from warehouse.services import record_notice
from webhooks.services import create_endpoint, create_test_delivery

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

MAX_EXAMPLES = 100
# Writes whose schema-valid input business rules may refuse with a 400: no schema can say so.
VALID_BUT_REFUSED = {
    ("POST", "/api/auth/token/"): "wrong username or password",
    ("POST", "/api/orders/"): "unknown, inactive or repeated products",
    ("POST", "/api/products/"): "a SKU that exists already",
    ("POST", "/api/shipments/{id}/events/"): "an occurred_at more than 5 minutes ahead",
    (
        "POST",
        "/api/carriers/{carrier}/events/",
    ): "no signature: the fuzzer does not know the secret",
    ("POST", "/api/webhooks/endpoints/"): "a URL that does not resolve",
    ("PATCH", "/api/webhooks/endpoints/{id}/"): "a URL that does not resolve",
}
# Operations no fuzzed request can succeed at, and where their successes are tested.
NEVER_SUCCEED = {
    "POST /api/carriers/{carrier}/events/": "signed with the carrier's secret: "
    "tests/api/test_carrier_ingest.py",
}
# A receiver URL the webhook endpoints accept here (loopback is allowed in development).
WEBHOOK_URL = "http://127.0.0.1:9/hooks/"
ACCEPTED = ["2xx", "400", "401", "403", "404", "409", "429"]
CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": int(os.environ.get("FUZZ_SEED", "20261121")),
        "generation": {"max-examples": MAX_EXAMPLES},
        "checks": {"negative_data_rejection": {"enabled": False}},
        "operations": [
            {
                "include-method": method,
                "include-path": path,
                "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED}},
            }
            for method, path in VALID_BUT_REFUSED
        ],
    }
)
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application, config=CONFIG)

# Operations only staff may call: the customer must never get a 2xx from them.
STAFF_ONLY = {
    "POST /api/products/",
    "POST /api/orders/{id}/ship/",
    "POST /api/shipments/{id}/events/",
    "GET /api/warehouse/notices/",
    "POST /api/warehouse/notices/{id}/acknowledge/",
    "GET /api/webhooks/endpoints/",
    "POST /api/webhooks/endpoints/",
    "GET /api/webhooks/endpoints/{id}/",
    "PATCH /api/webhooks/endpoints/{id}/",
    "DELETE /api/webhooks/endpoints/{id}/",
    "GET /api/webhooks/endpoints/{id}/deliveries/",
    "POST /api/webhooks/endpoints/{id}/rotate-secret/",
    "POST /api/webhooks/deliveries/{id}/retry/",
}
# What the fixture created, for the hooks below: random IDs would almost never exist.
KNOWN: dict[str, list] = {}


@pytest.fixture
def known_data(settings, celery_worker_process, customer, superuser):
    """What the requests act on, for the hooks below, and no throttling of them.

    The customer owns every order: placed ones to ship or cancel, shipped ones (by the
    superuser) with their warehouse notices.
    """
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"login": "100000/min", "writes": "100000/min"},
    }
    endpoints = [
        create_endpoint(url=WEBHOOK_URL, events=[], description="", created_by=superuser)
        for _ in range(3)
    ]
    orders = OrderFactory.create_batch(8, customer=customer, items=2)
    for order in orders[:3]:
        ship_order(
            order_id=order.pk, shipped_by=superuser, carrier="ups", tracking_number="1Z0000001"
        )
    KNOWN.update(
        credentials=[{"username": customer.username, "password": DEFAULT_PASSWORD}],
        products=[product.pk for product in ProductFactory.create_batch(5)],
        order=[order.pk for order in orders],
        # The notices' task runs in the worker; the fixture records them itself, as it would.
        notice=[
            record_notice(event_id=order.events.get(type=OrderEvent.Type.SHIPPED).pk).pk
            for order in orders[:3]
        ],
        shipment=list(Shipment.objects.filter(order__in=orders[:3]).values_list("pk", flat=True)),
        endpoint=[endpoint.pk for endpoint in endpoints],
        delivery=[create_test_delivery(endpoint_id=endpoint.pk) for endpoint in endpoints],
    )
    yield
    KNOWN.clear()


@pytest.fixture(params=["customer", "staff"])
def role(request) -> str:
    """Who the requests are sent as: the customer, or staff (the superuser: every staff
    operation, the catalogue included)."""
    return request.param


@pytest.fixture
def role_token(role, known_data, customer, superuser) -> str:
    return Token.objects.create(user=superuser if role == "staff" else customer).key


@pytest.fixture
def outcomes(role, known_data):
    """Status codes per operation; after the examples, each reached a 2xx if the role may."""
    seen: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    yield seen
    for operation, statuses in seen.items():
        successes = sum(count for status, count in statuses.items() if 200 <= status < 300)
        if operation in NEVER_SUCCEED or (role == "customer" and operation in STAFF_ONLY):
            assert successes == 0, f"{role} got a 2xx from {operation}: {dict(statuses)}"
        else:
            assert successes, f"{operation} never succeeded: {dict(statuses)}"


KINDS_BY_PREFIX = [
    ("/api/warehouse/", "notice"),
    ("/api/shipments/", "shipment"),
    ("/api/webhooks/endpoints/", "endpoint"),
    ("/api/webhooks/deliveries/", "delivery"),
]


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Sometimes an ID that exists, so lookups succeed and the action behind them runs."""
    if not KNOWN or not path_parameters or "id" not in path_parameters:
        return st.just(path_parameters)
    path = context.operation.path
    kind = next((kind for prefix, kind in KINDS_BY_PREFIX if path.startswith(prefix)), "order")
    known = st.sampled_from(KNOWN[kind]).map(lambda pk: {**path_parameters, "id": pk})
    return st.one_of(st.just(path_parameters), known)


@schema.hook
def flatmap_body(context, body):
    """Sometimes real credentials to log in with, or real products to order."""
    path = context.operation.path
    if not KNOWN:  # Schemathesis builds the schema's own examples at collection, before fixtures
        return st.just(body)
    if path == "/api/auth/token/":
        return st.one_of(st.just(body), st.sampled_from(KNOWN["credentials"]))
    if path == "/api/orders/" and isinstance(body, dict) and isinstance(body.get("items"), list):
        lines = st.lists(
            st.fixed_dictionaries(
                {"product": st.sampled_from(KNOWN["products"]), "quantity": st.integers(1, 5)}
            ),
            min_size=1,
            max_size=3,
            unique_by=lambda line: line["product"],
        )
        return st.one_of(st.just(body), lines.map(lambda items: {**body, "items": items}))
    if path.startswith("/api/webhooks/endpoints/") and isinstance(body, dict) and "url" in body:
        return st.one_of(st.just(body), st.just({**body, "url": WEBHOOK_URL}))
    return st.just(body)


@schema.parametrize()
@hypothesis.settings(suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture])
def test_api(case, role_token, outcomes):
    response = case.call_and_validate(headers={"Authorization": f"Token {role_token}"})
    if case.method.upper() == case.operation.method.upper():  # not a probe with another method
        outcomes[case.operation.label][response.status_code] += 1
