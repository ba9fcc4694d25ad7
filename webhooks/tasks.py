"""Webhook deliveries: created once per (endpoint, event), each attempt its own task, and the
sweeps that find what a lost task left behind.

A retry due within ``DELIVERY_RETRY_MAX`` is a countdown on the task. A longer one (the
schedule waits up to 10 hours, beyond the broker's visibility timeout) is left to
``sweep_stranded_webhooks``, which enqueues it once it is overdue.
"""

from celery import shared_task
from django.conf import settings

from delivery import attempts
from webhooks import services
from webhooks.models import Delivery


@shared_task(**attempts.task_options())
def create_deliveries(self, event_id: int, shipment_id: int | None = None) -> None:
    """Create the event's deliveries (once) and enqueue an attempt at each pending one."""
    for delivery_id in services.create_deliveries(event_id=event_id, shipment_id=shipment_id):
        deliver_webhook.delay(delivery_id)


@shared_task(**attempts.task_options())
def deliver_webhook(self, delivery_id: int) -> None:
    """One attempt; a failed one schedules the next at the time the row records."""
    retry_in = services.deliver(delivery_id=delivery_id)
    if retry_in is not None and retry_in <= settings.DELIVERY_RETRY_MAX:
        raise self.retry(countdown=retry_in, max_retries=None)


@shared_task
def sweep_stranded_webhooks() -> int:
    """Enqueue every pending delivery overdue with no live claim; return how many."""
    stranded = attempts.stranded(Delivery)
    for delivery_id in stranded:
        deliver_webhook.delay(delivery_id)
    return len(stranded)


@shared_task
def sweep_missing_webhooks() -> int:
    """Create and enqueue the deliveries of events whose task was lost before it created
    them; return how many were enqueued."""
    enqueued = 0
    for event_id in services.events_missing_deliveries():
        shipment_id = services.event_shipment_id_of(event_id=event_id)
        for delivery_id in services.create_deliveries(event_id=event_id, shipment_id=shipment_id):
            deliver_webhook.delay(delivery_id)
            enqueued += 1
    return enqueued
