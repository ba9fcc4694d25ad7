"""The endpoints API: staff with the webhooks permissions manage endpoints; everyone else
gets a 403. Bad input is a 400 naming the field."""

import pytest
from django.contrib.auth.models import Permission

from tests.factories import StaffFactory
from tests.support.clients import client_for
from webhooks.events import EVENT_TYPES, SUBSCRIBABLE
from webhooks.models import Delivery, Endpoint

URL = "http://127.0.0.1:9/hooks"


@pytest.fixture
def stored(db) -> Endpoint:
    return Endpoint.objects.create(url=URL, secret="whsec_c2VjcmV0", events=["order.shipped"])


def staff_with(*codenames: str):
    user = StaffFactory.create(ship_permission=False)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="webhooks", codename__in=codenames)
    )
    return client_for(user)


def test_create_answers_201_with_the_secret(integrator_client, integrator):
    response = integrator_client.post(
        "/api/webhooks/endpoints/",
        {"url": URL, "events": ["order.shipped", "order.delivered"], "description": "ERP"},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {
        "id",
        "url",
        "events",
        "description",
        "active",
        "disabled_reason",
        "created_at",
        "secret",
    }
    assert (body["url"], body["events"], body["active"]) == (
        URL,
        ["order.shipped", "order.delivered"],
        True,
    )
    assert Endpoint.objects.get().created_by == integrator


def test_list_detail_patch_and_delete(integrator_client, stored):
    listed = integrator_client.get("/api/webhooks/endpoints/").json()["results"]
    assert [item["id"] for item in listed] == [stored.pk]
    detail = f"/api/webhooks/endpoints/{stored.pk}/"
    assert integrator_client.get(detail).json()["events"] == ["order.shipped"]

    patched = integrator_client.patch(
        detail, {"events": [], "description": "all", "active": False}, format="json"
    )
    assert patched.status_code == 200
    assert (patched.json()["events"], patched.json()["active"]) == ([], False)

    assert integrator_client.put(detail, {"url": URL}, format="json").status_code == 405
    assert integrator_client.delete(detail).status_code == 204
    assert not Endpoint.objects.exists()
    assert integrator_client.get(detail).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "not a url", "events": []}, "url"),
        ({"url": URL, "events": ["order.lost"]}, "events"),
        ({"url": URL, "events": ["order.placed", "order.placed"]}, "events"),
        ({"url": URL, "events": "order.placed"}, "events"),
        ({"events": []}, "url"),
        ({"url": URL}, "events"),
        ({"url": URL, "events": [], "description": "x" * 201}, "description"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(integrator_client, body, field):
    response = integrator_client.post("/api/webhooks/endpoints/", body, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {field}


def test_unknown_ids_are_404(integrator_client):
    for path in (
        "/api/webhooks/endpoints/999/",
        "/api/webhooks/endpoints/99999999999999999999/",
        "/api/webhooks/endpoints/999/deliveries/",
        "/api/webhooks/deliveries/999/retry/",
    ):
        method = integrator_client.post if path.endswith("retry/") else integrator_client.get
        assert method(path).status_code == 404, path


OPERATIONS = [
    ("get", "/api/webhooks/endpoints/", "view_endpoint"),
    ("get", "/api/webhooks/endpoints/{id}/", "view_endpoint"),
    ("get", "/api/webhooks/endpoints/{id}/deliveries/", "view_delivery"),
    ("post", "/api/webhooks/endpoints/", "add_endpoint"),
    ("patch", "/api/webhooks/endpoints/{id}/", "change_endpoint"),
    ("post", "/api/webhooks/endpoints/{id}/rotate-secret/", "change_endpoint"),
    ("delete", "/api/webhooks/endpoints/{id}/", "delete_endpoint"),
    ("post", "/api/webhooks/deliveries/{delivery}/retry/", "change_delivery"),
]


@pytest.fixture
def delivery(stored) -> Delivery:
    return Delivery.objects.create(endpoint=stored, event_type="webhook.test", body="{}")


@pytest.mark.parametrize(("method", "path", "codename"), OPERATIONS)
def test_each_operation_needs_staff_with_its_permission(
    method, path, codename, stored, delivery, customer_client, staff_client, anon_client
):
    url = path.format(id=stored.pk, delivery=delivery.pk)
    body = {"url": URL, "events": []} if method == "post" else {}
    others = [n for _, _, n in OPERATIONS if n != codename]
    for client in (customer_client, staff_client, staff_with(*others)):
        assert getattr(client, method)(url, body, format="json").status_code == 403
    assert getattr(anon_client, method)(url, body, format="json").status_code in {401, 403}
    allowed = getattr(staff_with(codename), method)(url, body, format="json")
    assert allowed.status_code < 300, allowed.content


def test_a_customer_with_the_permissions_but_not_staff_is_refused(customer, stored):
    customer.user_permissions.add(*Permission.objects.filter(content_type__app_label="webhooks"))
    assert client_for(customer).get("/api/webhooks/endpoints/").status_code == 403


def test_every_sent_event_type_can_be_subscribed_to():
    assert set(EVENT_TYPES.values()) <= set(SUBSCRIBABLE)
