"""Schemathesis fuzzes every operation in the OpenAPI schema against the real stack.

It runs in the real-services pass (marked ``services``): PostgreSQL, Redis for the cache and the
broker, a Celery worker and an SMTP server. Requests go through Django's WSGI application in this
process; each operation's test commits (``transaction=True``), so ship and cancel run their
receivers and tasks as in production.

Schemathesis' default checks apply: no 5xx; status code, content type, headers and body as the
schema says; schema-valid requests accepted; credentials not ignored; undocumented methods
refused with 405. One is off: ``negative_data_rejection`` fails any schema-invalid request that
is accepted, and DRF accepts ``"5"`` for an integer and ``0`` for a boolean by design.

The budget is fixed: ``MAX_EXAMPLES`` generated requests per operation, on top of Schemathesis'
examples and coverage cases, with a fixed seed so that CI is repeatable. ``FUZZ_SEED=<n>``
explores other inputs.
"""

import collections
import os

import hypothesis
import pytest
import schemathesis
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis.config import SchemathesisConfig

from orders.services import ship_order
from shop.wsgi import application
from tests.factories import (
    DEFAULT_PASSWORD,
    OrderFactory,
    ProductFactory,
    StaffFactory,
    UserFactory,
)

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

MAX_EXAMPLES = 50
# Writes whose schema-valid input business rules may refuse with a 400: no schema can say so.
VALID_BUT_REFUSED = {
    "/api/auth/token/": "wrong username or password",
    "/api/orders/": "unknown, inactive or repeated products",
    "/api/products/": "a SKU that exists already",
}
ACCEPTED = ["2xx", "400", "401", "403", "404", "409", "429"]
CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": int(os.environ.get("FUZZ_SEED", "20261121")),
        "generation": {"max-examples": MAX_EXAMPLES},
        "checks": {"negative_data_rejection": {"enabled": False}},
        "operations": [
            {
                "include-method": "POST",
                "include-path": path,
                "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED}},
            }
            for path in VALID_BUT_REFUSED
        ],
    }
)
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application, config=CONFIG)

# What the fixture created, for the hooks below: random IDs would almost never exist.
KNOWN: dict[str, list] = {}
# Status codes seen per operation: each operation must reach its success path at least once.
SEEN: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)


@pytest.fixture
def fuzz_data(settings, celery_worker_process):
    """Users, a token, products, placed and shipped orders and their warehouse notices."""
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"login": "100000/min", "writes": "100000/min"},
    }
    staff = StaffFactory()
    customer = UserFactory()
    orders = OrderFactory.create_batch(8, customer=customer, items=2)
    for order in orders[:3]:
        ship_order(order=order, shipped_by=staff, carrier="ups", tracking_number="1Z0000001")
    KNOWN.update(
        credentials=[{"username": customer.username, "password": DEFAULT_PASSWORD}],
        products=[product.pk for product in ProductFactory.create_batch(5)],
        order=[order.pk for order in orders],
        notice=[order.warehouse_notices.get().pk for order in orders[:3]],
    )
    yield Token.objects.create(user=staff).key
    KNOWN.clear()


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Sometimes an ID that exists, so lookups succeed and the action behind them runs."""
    if not KNOWN or not path_parameters or "id" not in path_parameters:
        return st.just(path_parameters)
    kind = "notice" if context.operation.path.startswith("/api/warehouse/") else "order"
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
    return st.just(body)


@pytest.fixture
def reaches_success(request):
    """After the operation's examples: at least one answer was a 2xx."""
    yield
    label = request.node.name.partition("[")[2].removesuffix("]")  # test_api[POST /api/orders/]
    statuses = SEEN[label]
    assert any(200 <= status < 300 for status in statuses), f"{label}: no 2xx in {statuses}"


@schema.parametrize()
@hypothesis.settings(suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture])
def test_api(case, fuzz_data, reaches_success):
    response = case.call_and_validate(headers={"Authorization": f"Token {fuzz_data}"})
    SEEN[case.operation.label][response.status_code] += 1
