"""A rotated secret: both secrets sign for 24 hours, so a receiver holding either verifies;
afterwards only the new one does. Secrets are shown only when made."""

import base64
from datetime import timedelta

import pytest
from django.utils import timezone
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from webhooks.models import Delivery, Endpoint
from webhooks.tasks import deliver_webhook


def rotate(client, endpoint: Endpoint) -> str:
    response = client.post(f"/api/webhooks/endpoints/{endpoint.pk}/rotate-secret/")
    assert response.status_code == 200
    return response.json()["secret"]


def test_a_secret_is_whsec_and_32_random_bytes_in_base64(register, webhook_receiver):
    _, secret = register(webhook_receiver)
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"))) == 32
    assert register(webhook_receiver)[1] != secret


def test_the_secret_never_appears_in_a_list_or_a_detail(endpoint, integrator_client):
    for url in ("/api/webhooks/endpoints/", f"/api/webhooks/endpoints/{endpoint.pk}/"):
        body = integrator_client.get(url).content.decode()
        assert endpoint.secret.removeprefix("whsec_") not in body
        assert "secret" not in body


@pytest.mark.parametrize("receiver_holds", ["old", "new"])
def test_during_the_overlap_either_secret_verifies(
    endpoint, webhook_receiver, order, ship, integrator_client, receiver_holds
):
    old = webhook_receiver.secret
    new = rotate(integrator_client, endpoint)
    webhook_receiver.secret = old if receiver_holds == "old" else new

    ship(order)

    [received] = webhook_receiver.received
    assert received.verified, received.answer
    assert received.headers["webhook-signature"].count("v1,") == 2
    for secret in (old, new):
        Webhook(secret).verify(received.body, received.headers)
    assert Delivery.objects.get().status == "succeeded"


def test_after_the_overlap_the_old_secret_fails_and_the_new_one_verifies(
    endpoint, webhook_receiver, order, ship, integrator_client
):
    old = webhook_receiver.secret
    new = rotate(integrator_client, endpoint)
    Endpoint.objects.update(previous_secret_expires_at=timezone.now() - timedelta(seconds=1))

    ship(order)  # the receiver still holds the old secret

    [received] = webhook_receiver.received
    assert not received.verified
    assert received.headers["webhook-signature"].count("v1,") == 1
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(received.body, received.headers)
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.last_error) == ("pending", "HTTP 400")

    webhook_receiver.secret = new
    Delivery.objects.update(next_attempt_at=timezone.now())
    deliver_webhook.delay(delivery.pk)

    assert webhook_receiver.received[-1].verified
    assert Delivery.objects.get().status == "succeeded"
