"""The admin: endpoints with their success rate, enable/disable and a test event; deliveries
with every attempt's status code, latency, error and excerpt, and a retry action."""

import json

from django.urls import reverse

from tests.factories import OrderFactory
from tests.support.webhook_receiver import Answer
from webhooks.models import Delivery, Endpoint

ENDPOINTS = "admin:webhooks_endpoint_changelist"
DELIVERIES = "admin:webhooks_delivery_changelist"


def act(client, changelist: str, action: str, pks: list[int]):
    return client.post(
        reverse(changelist), {"action": action, "_selected_action": pks}, follow=True
    )


def test_the_endpoint_list_shows_the_success_rate(
    admin_client, endpoint, webhook_receiver, order, ship, customer
):
    webhook_receiver.answers = [Answer(status=200), Answer(status=500)]
    ship(order)
    ship(OrderFactory(customer=customer))
    Delivery.objects.filter(status="pending").update(status="failed")

    response = admin_client.get(reverse(ENDPOINTS))
    assert "50% of 2" in response.text


def test_disable_and_enable(admin_client, endpoint):
    assert "1 endpoint(s) disabled." in act(admin_client, ENDPOINTS, "disable", [endpoint.pk]).text
    endpoint.refresh_from_db()
    assert (endpoint.active, endpoint.disabled_reason) == (False, "Disabled by staff.")

    assert "1 endpoint(s) enabled." in act(admin_client, ENDPOINTS, "enable", [endpoint.pk]).text
    endpoint.refresh_from_db()
    assert (endpoint.active, endpoint.disabled_reason) == (True, "")


def test_send_a_test_event(admin_client, endpoint, webhook_receiver):
    response = act(admin_client, ENDPOINTS, "send_test_event", [endpoint.pk])

    assert "1 test event(s) queued." in response.text
    [received] = webhook_receiver.received
    assert received.verified
    assert json.loads(received.body)["type"] == "webhook.test"
    assert Delivery.objects.get().status == "succeeded"


def test_a_delivery_page_shows_each_attempt(admin_client, endpoint, webhook_receiver, order, ship):
    webhook_receiver.answers = [Answer(status=500)]
    ship(order)
    delivery = Delivery.objects.get()

    page = admin_client.get(reverse("admin:webhooks_delivery_change", args=[delivery.pk])).text

    assert delivery.webhook_id in page
    assert "HTTP 500" in page
    assert "500" in page
    assert str(delivery.attempt_log.get().duration_ms) in page


def test_retry_from_the_admin(admin_client, endpoint, webhook_receiver, order, ship):
    webhook_receiver.answers = [Answer(status=500)]
    ship(order)
    Delivery.objects.update(status="failed")

    response = act(admin_client, DELIVERIES, "retry", [Delivery.objects.get().pk])

    assert "1 delivery(s) queued." in response.text
    assert Delivery.objects.get().status == "succeeded"
    first, second = webhook_receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"]


def test_the_secret_is_not_on_the_endpoint_page(admin_client, endpoint):
    page = admin_client.get(reverse("admin:webhooks_endpoint_change", args=[endpoint.pk])).text
    assert Endpoint.objects.get().secret.removeprefix("whsec_") not in page
