"""The outbox extends to webhooks: one delivery per (endpoint, event) however often the event
is dispatched, and the sweeps create and send what a lost task left behind."""

from datetime import timedelta

from django.utils import timezone

from orders.dispatch import send_event
from orders.models import OrderEvent
from orders.tasks import redispatch_pending_events
from tests.support.webhook_receiver import running_receiver
from tests.support.wiring import ORDER_RECEIVERS, disconnected
from webhooks import services
from webhooks.models import Delivery, Endpoint
from webhooks.receivers import QUEUE_WEBHOOKS_UID
from webhooks.tasks import create_deliveries, sweep_missing_webhooks, sweep_stranded_webhooks

WEBHOOK_RECEIVERS = [wire for wire in ORDER_RECEIVERS if wire.dispatch_uid == QUEUE_WEBHOOKS_UID]


def an_hour_ago() -> None:
    """Time-travel: the endpoints were registered, and the events dispatched, an hour ago."""
    hour_ago = timezone.now() - timedelta(hours=1)
    Endpoint.objects.update(enabled_at=hour_ago - timedelta(seconds=1))
    OrderEvent.objects.update(dispatched_at=hour_ago)


def shipped_event(order) -> OrderEvent:
    return OrderEvent.objects.select_related("order", "shipment").get(order=order, type="shipped")


def test_redispatching_an_event_creates_no_second_delivery(
    register, webhook_receiver, order, ship, django_capture_on_commit_callbacks
):
    with running_receiver() as other_receiver:
        register(webhook_receiver)
        register(other_receiver)
        _dispatch_thrice(order, ship, django_capture_on_commit_callbacks)
        assert len(other_receiver.received) == 1
        assert other_receiver.received[0].verified

    assert Delivery.objects.count() == 2  # one per endpoint
    assert Delivery.objects.filter(status="succeeded").count() == 2
    [received] = webhook_receiver.received
    assert received.verified


def _dispatch_thrice(order, ship, django_capture_on_commit_callbacks) -> None:
    """Ship, then dispatch the event again three times and run its task once more."""
    ship(order)
    event = shipped_event(order)
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            send_event(event, order=event.order, shipment=event.shipment)
    create_deliveries.delay(event.pk, event.shipment_id)


def test_an_event_left_pending_is_delivered_by_the_redispatch(
    endpoint, webhook_receiver, order, ship, django_capture_on_commit_callbacks
):
    with disconnected(*WEBHOOK_RECEIVERS):  # as if the broker refused the enqueue
        ship(order)
    OrderEvent.objects.update(dispatched_at=None, created_at=timezone.now() - timedelta(hours=1))

    with django_capture_on_commit_callbacks(execute=True):
        redispatch_pending_events()

    [delivery] = Delivery.objects.all()
    assert delivery.status == "succeeded"
    assert len(webhook_receiver.received) == 1


def test_the_sweep_creates_and_sends_what_a_lost_task_never_created(
    endpoint, webhook_receiver, order, ship, settings
):
    with disconnected(*WEBHOOK_RECEIVERS):  # the task was accepted, then lost
        ship(order)
    assert sweep_missing_webhooks() == 0  # too recent: its task may still be on the way
    an_hour_ago()

    assert sweep_missing_webhooks() == 1
    assert sweep_missing_webhooks() == 0

    [delivery] = Delivery.objects.all()
    assert delivery.status == "succeeded"
    [received] = webhook_receiver.received
    assert received.verified
    assert b'"shipment":{' in received.body


def test_the_sweep_leaves_events_from_before_the_endpoint_alone(
    webhook_receiver, register, order, ship
):
    ship(order)
    an_hour_ago()
    register(webhook_receiver)

    assert sweep_missing_webhooks() == 0
    assert not Delivery.objects.exists()


def test_a_pending_delivery_whose_task_was_lost_is_sent_by_the_stranded_sweep(
    endpoint, webhook_receiver, order, ship, settings
):
    with disconnected(*WEBHOOK_RECEIVERS):
        ship(order)
    event = shipped_event(order)
    # The deliveries were created, then the attempt's message was lost.
    services.create_deliveries(event_id=event.pk, shipment_id=event.shipment_id)
    Delivery.objects.update(next_attempt_at=timezone.now() - timedelta(hours=1))

    assert sweep_stranded_webhooks() == 1
    assert Delivery.objects.get().status == "succeeded"
    assert len(webhook_receiver.received) == 1


def test_the_sweep_leaves_events_from_while_the_endpoint_was_disabled_alone(
    endpoint, webhook_receiver, order, ship, integrator_client
):
    an_hour_ago()
    Endpoint.objects.update(active=False)
    ship(order)  # no delivery: the endpoint is disabled
    OrderEvent.objects.update(dispatched_at=timezone.now() - timedelta(minutes=30))
    response = integrator_client.patch(
        f"/api/webhooks/endpoints/{endpoint.pk}/", {"active": True}, format="json"
    )
    assert response.json()["description"] == "test"  # a partial update keeps the rest

    assert sweep_missing_webhooks() == 0
    assert webhook_receiver.received == []
