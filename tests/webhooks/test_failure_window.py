"""An endpoint whose every attempt failed for five days is disabled, says why, and gets no
more deliveries; one success closes the window; enabling it again clears the reason."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import OrderFactory
from tests.support.webhook_receiver import Answer
from webhooks.models import Delivery, Endpoint
from webhooks.tasks import deliver_webhook

FIVE_DAYS = timedelta(days=5)


@pytest.fixture
def failing(webhook_receiver):
    webhook_receiver.answers = [Answer(status=500)] * 20
    return webhook_receiver


def move_time_forward(delta: timedelta) -> None:
    """Time-travel: everything recorded happened ``delta`` earlier, and pending attempts are due."""
    Endpoint.objects.update(failing_since=timezone.now() - delta)
    Delivery.objects.filter(status="pending").update(next_attempt_at=timezone.now())


def attempt_again() -> None:
    for delivery in Delivery.objects.filter(status="pending"):
        deliver_webhook.delay(delivery.pk)


def test_the_first_failure_opens_the_window(endpoint, failing, order, ship):
    ship(order)
    endpoint.refresh_from_db()
    assert endpoint.active
    assert endpoint.failing_since is not None


def test_failing_for_five_days_disables_the_endpoint_and_says_why(
    endpoint, failing, order, ship, integrator_client, customer
):
    ship(order)
    move_time_forward(FIVE_DAYS - timedelta(minutes=1))
    attempt_again()
    endpoint.refresh_from_db()
    assert endpoint.active  # not quite five days

    move_time_forward(FIVE_DAYS)
    attempt_again()

    detail = integrator_client.get(f"/api/webhooks/endpoints/{endpoint.pk}/").json()
    assert detail["active"] is False
    assert "every delivery failed" in detail["disabled_reason"]
    assert "for 5 days" in detail["disabled_reason"]

    # Disabled: a new event makes no delivery, and the pending one is not sent again.
    ship(OrderFactory(customer=customer))
    assert Delivery.objects.count() == 1
    sent = len(failing.received)
    Delivery.objects.update(status="pending", next_attempt_at=timezone.now())
    attempt_again()
    assert len(failing.received) == sent
    assert Delivery.objects.get().last_error == "The endpoint is disabled."


def test_a_success_closes_the_window(endpoint, webhook_receiver, order, ship):
    webhook_receiver.answers = [Answer(status=500)]
    ship(order)
    move_time_forward(FIVE_DAYS - timedelta(days=1))
    attempt_again()  # answered 200

    endpoint.refresh_from_db()
    assert endpoint.active
    assert endpoint.failing_since is None


def test_enabling_again_clears_the_reason_and_the_window(
    endpoint, failing, order, ship, integrator_client
):
    ship(order)
    move_time_forward(FIVE_DAYS)
    attempt_again()
    assert not Endpoint.objects.get().active

    response = integrator_client.patch(
        f"/api/webhooks/endpoints/{endpoint.pk}/", {"active": True}, format="json"
    )

    assert response.status_code == 200
    assert (response.json()["active"], response.json()["disabled_reason"]) == (True, "")
    assert Endpoint.objects.get().failing_since is None
