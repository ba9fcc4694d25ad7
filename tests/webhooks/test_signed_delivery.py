"""Shipping an order delivers a signed ``order.shipped`` that the receiver verifies with the
``standardwebhooks`` package, carrying the order and shipment as the REST API shows them."""

import json

import pytest
from standardwebhooks import Webhook

from orders.services import cancel_order
from tests.factories import OrderFactory


def test_a_shipped_order_reaches_the_receiver_signed_and_verifiable(
    endpoint, webhook_receiver, order, ship, staff_client
):
    ship(order)

    [received] = webhook_receiver.received
    assert received.verified, received.answer
    event = Webhook(webhook_receiver.secret).verify(received.body, received.headers)
    assert event["type"] == "order.shipped"
    assert set(event) == {"type", "timestamp", "data"}
    order_view = staff_client.get(f"/api/orders/{order.pk}/").json()
    assert event["data"]["order"] == order_view
    assert event["data"]["shipment"] == order_view["shipment"]
    assert received.headers["webhook-id"].startswith("msg_")
    assert received.headers["webhook-signature"].startswith("v1,")
    assert received.headers["Content-Type"] == "application/json"
    assert webhook_receiver.events == [event]


def test_the_delivery_log_shows_the_successful_attempt(
    endpoint, webhook_receiver, order, ship, integrator_client
):
    ship(order)

    response = integrator_client.get(f"/api/webhooks/endpoints/{endpoint.pk}/deliveries/")
    assert response.status_code == 200
    [delivery] = response.json()["results"]
    assert delivery["event_type"] == "order.shipped"
    assert delivery["order"] == order.pk
    assert delivery["status"] == "succeeded"
    assert delivery["webhook_id"] == webhook_receiver.received[0].headers["webhook-id"]
    [attempt] = delivery["attempts"]
    assert attempt["status_code"] == 200
    assert attempt["error"] == ""
    assert attempt["response_excerpt"] == "ok"
    assert attempt["duration_ms"] >= 0


def test_placed_and_cancelled_orders_are_sent_and_shipment_is_absent(
    endpoint, webhook_receiver, customer, django_capture_on_commit_callbacks
):
    order = OrderFactory.create(customer=customer)
    with django_capture_on_commit_callbacks(execute=True):
        cancel_order(order=order, cancelled_by=customer)

    [received] = webhook_receiver.received
    event = json.loads(received.body)
    assert event["type"] == "order.cancelled"
    assert event["data"]["order"]["status"] == "cancelled"
    assert "shipment" not in event["data"]


@pytest.mark.parametrize(
    ("events", "sent"), [(["order.shipped"], 1), (["order.cancelled"], 0), ([], 1)]
)
def test_an_endpoint_gets_only_the_event_types_it_subscribed_to(
    register, webhook_receiver, order, ship, events, sent
):
    register(webhook_receiver, events=events)
    ship(order)
    assert len(webhook_receiver.received) == sent


def test_a_new_order_is_sent_as_order_placed(
    endpoint, webhook_receiver, customer_client, product, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = customer_client.post(
            "/api/orders/",
            {"items": [{"product": product.pk, "quantity": 1}], "shipping_address": "1 Road"},
            format="json",
        )
    assert response.status_code == 201
    [received] = webhook_receiver.received
    assert received.verified
    assert json.loads(received.body)["type"] == "order.placed"
