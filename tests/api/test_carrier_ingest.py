"""POST /api/carriers/{carrier}/events/ (signed) and POST /api/shipments/{id}/events/ (staff):
signature, replay, out-of-order events, delivery, and every refusal."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from orders.carriers import sign
from orders.models import Order, OrderEvent, Shipment, TrackingEvent
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db

SECRET = "ups-test-secret"
TRACKING = "1Z999AA10123456784"


@pytest.fixture(autouse=True)
def _secrets(settings) -> None:
    settings.CARRIER_WEBHOOK_SECRETS = {"ups": SECRET}


@pytest.fixture
def parcel(order, ship) -> Shipment:
    """``order`` shipped whole with UPS as ``TRACKING``."""
    ship(order, carrier="ups", tracking_number=TRACKING)
    return order.shipments.get()


def at(minutes: float) -> str:
    return (timezone.now() + timedelta(minutes=minutes)).isoformat()


def post(client, body: dict | bytes, *, carrier="ups", secret=SECRET, signature=None):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    header = sign(secret=secret, body=raw) if signature is None else signature
    return client.post(
        f"/api/carriers/{carrier}/events/",
        raw,
        content_type="application/json",
        HTTP_X_CARRIER_SIGNATURE=header,
    )


def event(event_id: str, status: str, minutes: float = 0, **extra) -> dict:
    return {
        "event_id": event_id,
        "tracking_number": TRACKING,
        "status": status,
        "occurred_at": at(minutes),
        **extra,
    }


def test_a_signed_event_is_accepted_and_moves_the_parcel(anon_client, parcel):
    response = post(anon_client, event("e1", "in_transit", location="Louisville", message="Left"))

    assert response.status_code == 202
    assert response.json()["status"] == "in_transit"
    parcel.refresh_from_db()
    assert parcel.status == "in_transit"
    [stored] = parcel.tracking_events.all()
    assert (stored.location, stored.message) == ("Louisville", "Left")
    updated = OrderEvent.objects.get(type="shipment_updated")
    assert updated.payload["shipment_status"] == "in_transit"
    assert updated.shipment == parcel
    assert updated.tracking_event == stored


def test_a_replayed_event_id_is_200_and_changes_nothing(anon_client, parcel):
    assert post(anon_client, event("e1", "in_transit", -10)).status_code == 202
    before = list(OrderEvent.objects.values_list("id", flat=True))

    response = post(anon_client, event("e1", "out_for_delivery", -5))

    assert response.status_code == 200
    assert TrackingEvent.objects.count() == 1
    assert Shipment.objects.get(pk=parcel.pk).status == "in_transit"
    assert list(OrderEvent.objects.values_list("id", flat=True)) == before


def test_an_older_event_arriving_late_is_stored_but_the_status_follows_the_latest(
    anon_client, parcel
):
    assert post(anon_client, event("e2", "out_for_delivery", -5)).status_code == 202
    assert post(anon_client, event("e1", "in_transit", -60)).status_code == 202

    parcel.refresh_from_db()
    assert parcel.status == "out_for_delivery"
    assert parcel.tracking_events.count() == 2
    assert OrderEvent.objects.filter(type="shipment_updated").count() == 1


def test_a_delivered_parcel_stays_delivered(anon_client, parcel):
    assert post(anon_client, event("e1", "delivered", -5)).status_code == 202
    assert post(anon_client, event("e2", "exception", -1)).status_code == 202

    parcel.refresh_from_db()
    assert parcel.status == "delivered"
    assert parcel.delivered_at is not None
    assert parcel.tracking_events.count() == 2
    order = Order.objects.get(pk=parcel.order_id)
    assert order.status == "delivered"
    assert OrderEvent.objects.filter(order=order, type="delivered").count() == 1


def test_the_order_is_delivered_only_with_its_last_parcel(anon_client, staff_client, customer):
    order = OrderFactory.create(customer=customer, items=2)
    first, _second = order.items.all()
    url = f"/api/orders/{order.pk}/ship/"
    lines = [{"item": first.pk, "quantity": first.quantity}]
    staff_client.post(
        url, {"carrier": "ups", "tracking_number": TRACKING, "lines": lines}, format="json"
    )
    assert post(anon_client, event("e1", "delivered", -5)).status_code == 202
    assert Order.objects.get(pk=order.pk).status == "partially_shipped"

    staff_client.post(url, {"carrier": "ups", "tracking_number": "1Z0000REST"}, format="json")
    assert Order.objects.get(pk=order.pk).status == "shipped"
    rest = {**event("e2", "delivered"), "tracking_number": "1Z0000REST"}
    assert post(anon_client, rest).status_code == 202

    assert Order.objects.get(pk=order.pk).status == "delivered"
    assert OrderEvent.objects.get(order=order, type="delivered").payload["status"] == "delivered"


@pytest.mark.parametrize(
    "signature",
    ["", "sha256=", "sha256=" + "0" * 64, "md5=abc", sign(secret="wrong", body=b"{}")],
)
def test_a_missing_or_wrong_signature_is_401(anon_client, parcel, signature):
    response = post(anon_client, event("e1", "in_transit"), signature=signature)
    assert response.status_code == 401
    assert not TrackingEvent.objects.exists()


def test_a_signature_of_other_bytes_is_401(anon_client, parcel):
    body = json.dumps(event("e1", "in_transit")).encode()
    response = anon_client.post(
        "/api/carriers/ups/events/",
        body + b" ",
        content_type="application/json",
        HTTP_X_CARRIER_SIGNATURE=sign(secret=SECRET, body=body),
    )
    assert response.status_code == 401


@pytest.mark.parametrize("carrier", ["dhl", "pigeon"])
def test_an_unknown_or_unconfigured_carrier_is_404(anon_client, parcel, carrier):
    assert post(anon_client, event("e1", "in_transit"), carrier=carrier).status_code == 404


def test_a_tracking_number_the_carrier_was_not_given_is_404(anon_client, parcel):
    response = post(anon_client, {**event("e1", "in_transit"), "tracking_number": "1ZUNKNOWN"})
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"status": "lost"}, "status"),
        ({"occurred_at": "yesterday"}, "occurred_at"),
        ({"event_id": ""}, "event_id"),
        ({"tracking_number": "has spaces"}, "tracking_number"),
        ({"location": "x" * 201}, "location"),
    ],
)
def test_a_bad_field_is_400_naming_it(anon_client, parcel, body, field):
    response = post(anon_client, {**event("e1", "in_transit"), **body})
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_an_event_more_than_five_minutes_ahead_is_400(anon_client, parcel):
    assert post(anon_client, event("e1", "in_transit", 6)).status_code == 400
    assert post(anon_client, event("e2", "in_transit", 4)).status_code == 202


@pytest.mark.parametrize("raw", [b"not json", b"[]", b'"text"'])
def test_a_body_that_is_no_json_object_is_400(anon_client, parcel, raw):
    assert post(anon_client, raw).status_code == 400


def test_staff_record_an_event_without_a_signature(staff_client, parcel):
    url = f"/api/shipments/{parcel.pk}/events/"
    response = staff_client.post(
        url, {"status": "in_transit", "occurred_at": at(-1)}, format="json"
    )

    assert response.status_code == 201
    assert response.json()["event_id"].startswith("staff-")
    assert Shipment.objects.get(pk=parcel.pk).status == "in_transit"
    again = {"event_id": "desk-1", "status": "out_for_delivery", "occurred_at": at(0)}
    assert staff_client.post(url, again, format="json").status_code == 201
    assert staff_client.post(url, again, format="json").status_code == 200


def test_the_staff_endpoint_refuses_customers_and_anonymous_callers(
    customer_client, anon_client, staff_client, parcel
):
    url = f"/api/shipments/{parcel.pk}/events/"
    body = {"status": "in_transit", "occurred_at": at(0)}
    assert customer_client.post(url, body, format="json").status_code == 403
    assert anon_client.post(url, body, format="json").status_code == 401
    assert (
        staff_client.post("/api/shipments/999999/events/", body, format="json").status_code == 404
    )
    assert not TrackingEvent.objects.exists()
