"""POST /api/orders/{id}/ship/ and /cancel/: every status code, for each role."""

import pytest

from notifications.models import EmailLog
from orders.models import Order, OrderEvent, Shipment
from orders.services import cancel_order
from warehouse.models import WarehouseNotice

pytestmark = pytest.mark.django_db

SHIP = {"tracking_number": "1Z999AA10123456784", "carrier": "ups"}


def ship_url(order) -> str:
    return f"/api/orders/{order.pk}/ship/"


def test_staff_ship_an_order(order, staff_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(ship_url(order), SHIP, format="json")

    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "shipped"
    assert data["shipment"]["carrier"] == "ups"
    assert data["shipment"]["tracking_number"] == SHIP["tracking_number"]
    assert data["shipment"]["tracking_url"].endswith(SHIP["tracking_number"])
    assert Shipment.objects.get(order=order).notify_customer is True, "defaults to true"
    assert EmailLog.objects.filter(event__order=order).count() == 1
    assert WarehouseNotice.objects.filter(order=order).count() == 1


def test_notify_customer_false_is_honoured(order, staff_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            ship_url(order), {**SHIP, "notify_customer": False}, format="json"
        )
    assert response.status_code == 200
    assert not EmailLog.objects.exists()
    assert WarehouseNotice.objects.filter(order=order).exists()


def test_second_ship_is_409_and_changes_nothing(order, staff_client):
    assert staff_client.post(ship_url(order), SHIP, format="json").status_code == 200
    before = list(OrderEvent.objects.values_list("id", "type"))

    response = staff_client.post(
        ship_url(order), {**SHIP, "tracking_number": "OTHER-0001"}, format="json"
    )

    assert response.status_code == 409
    assert response.json() == {
        "detail": f"Order {order.number} is shipped and cannot be shipped.",
        "code": "invalid_transition",
        "status": "shipped",
    }
    assert Shipment.objects.get(order=order).tracking_number == SHIP["tracking_number"]
    assert list(OrderEvent.objects.values_list("id", "type")) == before


def test_shipping_a_cancelled_order_is_409(order, customer, staff_client):
    cancel_order(order=order, cancelled_by=customer)
    response = staff_client.post(ship_url(order), SHIP, format="json")
    assert response.status_code == 409
    assert response.json()["status"] == "cancelled"
    assert not Shipment.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"carrier": "ups"}, "tracking_number"),
        ({"tracking_number": "1Z999"}, "carrier"),
        ({**SHIP, "carrier": "pigeon"}, "carrier"),
        ({**SHIP, "tracking_number": "has spaces 123"}, "tracking_number"),
        ({**SHIP, "tracking_number": "x" * 41}, "tracking_number"),
        ({**SHIP, "notify_customer": "perhaps"}, "notify_customer"),
    ],
)
def test_bad_ship_input_is_400_naming_the_field(order, staff_client, body, field):
    response = staff_client.post(ship_url(order), body, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert Order.objects.get(pk=order.pk).status == "placed"


def test_ship_needs_credentials(order, anon_client):
    assert anon_client.post(ship_url(order), SHIP, format="json").status_code == 401


def test_owner_who_is_not_staff_gets_403(order, customer_client):
    response = customer_client.post(ship_url(order), SHIP, format="json")
    assert response.status_code == 403
    assert Order.objects.get(pk=order.pk).status == "placed"


def test_order_the_caller_cannot_see_is_404(order, other_customer_client, staff_client):
    assert other_customer_client.post(ship_url(order), SHIP, format="json").status_code == 404
    assert staff_client.post("/api/orders/999999/ship/", SHIP, format="json").status_code == 404


@pytest.mark.parametrize("role", ["owner", "staff"])
def test_owner_or_staff_cancel_a_placed_order(order, customer_client, staff_client, role):
    client = customer_client if role == "owner" else staff_client
    response = client.post(f"/api/orders/{order.pk}/cancel/")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"


def test_cancel_refusals(order, customer_client, other_customer_client, anon_client, staff_client):
    url = f"/api/orders/{order.pk}/cancel/"
    assert anon_client.post(url).status_code == 401
    assert other_customer_client.post(url).status_code == 404
    assert staff_client.post(ship_url(order), SHIP, format="json").status_code == 200
    response = customer_client.post(url)
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"


def test_events_timeline(
    order, customer_client, staff_client, other_customer_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(ship_url(order), SHIP, format="json")

    response = customer_client.get(f"/api/orders/{order.pk}/events/")

    assert response.status_code == 200
    [event] = response.json()
    assert set(event) == {"id", "position", "type", "created_at", "payload"}
    position = order.events.get().position
    assert position is not None
    assert event["position"] == position
    assert event["type"] == "shipped"
    assert event["payload"]["tracking_number"] == SHIP["tracking_number"]
    assert other_customer_client.get(f"/api/orders/{order.pk}/events/").status_code == 404
