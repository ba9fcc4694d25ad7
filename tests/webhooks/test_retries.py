"""Failed attempts are retried on a schedule spread over more than a day, with the same
``webhook-id``, until a 2xx; then the delivery is ``failed``. A manual retry sends it again."""

from django.utils import timezone

from tests.support.webhook_receiver import Answer
from webhooks import schedule
from webhooks.models import Delivery
from webhooks.tasks import deliver_webhook

DAY = 24 * 3600


def make_due() -> None:
    """Time-travel: every pending delivery's next attempt is due now."""
    Delivery.objects.filter(status="pending").update(next_attempt_at=timezone.now())


def test_the_schedule_spreads_the_attempts_over_more_than_a_day():
    assert sum(schedule.RETRY_DELAYS) >= DAY
    assert schedule.RETRY_DELAYS[0] <= 5  # a blip is retried at once
    assert len(schedule.RETRY_DELAYS) + 1 == schedule.ATTEMPTS


def test_a_500_then_a_200_is_two_attempts_of_one_webhook_id(
    endpoint, webhook_receiver, order, ship
):
    webhook_receiver.answers = [Answer(status=500)]
    ship(order)

    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("pending", 1, "HTTP 500")
    wait = (delivery.next_attempt_at - timezone.now()).total_seconds()
    assert 3 < wait <= schedule.RETRY_DELAYS[0]

    make_due()
    deliver_webhook.delay(delivery.pk)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 2)
    first, second = webhook_receiver.received
    assert first.verified
    assert second.verified
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == delivery.webhook_id
    assert [a.status_code for a in delivery.attempt_log.all()] == [500, 200]
    assert len(webhook_receiver.events) == 1  # the receiver deduplicated nothing: one new event


def test_a_delivery_fails_after_the_last_scheduled_attempt(endpoint, webhook_receiver, order, ship):
    webhook_receiver.answers = [Answer(status=503)] * schedule.ATTEMPTS
    ship(order)
    for _ in range(schedule.ATTEMPTS - 1):
        make_due()
        deliver_webhook.delay(Delivery.objects.get().pk)

    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", schedule.ATTEMPTS)
    assert len(webhook_receiver.received) == schedule.ATTEMPTS
    assert len({r.headers["webhook-id"] for r in webhook_receiver.received}) == 1
    deliver_webhook.delay(delivery.pk)  # a stray task sends nothing more
    assert len(webhook_receiver.received) == schedule.ATTEMPTS


def test_retry_sends_a_delivery_again_whatever_its_status_with_the_same_webhook_id(
    endpoint, webhook_receiver, order, ship, integrator_client
):
    ship(order)
    delivery = Delivery.objects.get()
    assert delivery.status == "succeeded"

    response = integrator_client.post(f"/api/webhooks/deliveries/{delivery.pk}/retry/")

    assert response.status_code == 202
    assert response.json()["status"] == "succeeded"
    assert len(response.json()["attempts"]) == 2
    first, second = webhook_receiver.received
    assert second.verified
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert len(webhook_receiver.events) == 1  # the example receiver dropped the duplicate


def test_a_failed_delivery_can_be_retried(
    endpoint, webhook_receiver, order, ship, integrator_client
):
    webhook_receiver.answers = [Answer(status=500)]
    ship(order)
    Delivery.objects.update(status="failed")
    delivery = Delivery.objects.get()

    response = integrator_client.post(f"/api/webhooks/deliveries/{delivery.pk}/retry/")

    assert response.status_code == 202
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("succeeded", 2)
