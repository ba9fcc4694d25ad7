"""Webhooks on real services: PostgreSQL, Redis and a Celery worker in its own process, which
POSTs to a real receiver in this one. Shipping through the API delivers a verifiable
``order.shipped``; a 500 is retried by the worker 5 s later with the same ``webhook-id``."""

import pytest
from standardwebhooks import Webhook

from tests.support.live_services import wait_for
from tests.support.webhook_receiver import Answer
from webhooks.models import Delivery

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

SHIP = {"carrier": "dhl", "tracking_number": "JD0147250001"}


def test_shipping_delivers_a_signed_order_shipped(
    celery_worker_process, endpoint, webhook_receiver, order, staff_client
):
    response = staff_client.post(f"/api/orders/{order.pk}/ship/", SHIP, format="json")
    assert response.status_code == 200

    delivery = wait_for(
        lambda: Delivery.objects.filter(status="succeeded").first(),
        what="the worker to deliver the webhook",
    )
    [received] = webhook_receiver.received
    event = Webhook(webhook_receiver.secret).verify(received.body, received.headers)
    assert event["type"] == "order.shipped"
    assert event["data"]["order"]["number"] == order.number
    assert event["data"]["shipment"]["tracking_number"] == SHIP["tracking_number"]
    assert received.headers["webhook-id"] == delivery.webhook_id
    assert delivery.attempts == 1


def test_the_worker_retries_a_500_with_the_same_webhook_id(
    celery_worker_process, endpoint, webhook_receiver, order, staff_client
):
    webhook_receiver.answers = [Answer(status=500)]
    staff_client.post(f"/api/orders/{order.pk}/ship/", SHIP, format="json")

    delivery = wait_for(
        lambda: Delivery.objects.filter(status="succeeded").first(),
        timeout=30,
        what="the retry 5 s after the 500",
    )
    first, second = webhook_receiver.received
    assert first.verified
    assert second.verified
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == delivery.webhook_id
    assert [a.status_code for a in delivery.attempt_log.all()] == [500, 200]
    gap = delivery.attempt_log.last().attempted_at - delivery.attempt_log.first().attempted_at
    assert gap.total_seconds() >= 4
