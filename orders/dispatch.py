"""Send an order event's signal once its transaction has committed: the outbox dispatcher."""

import logging

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from delivery.publishing import OneRoundTrip
from orders.models import Order, OrderEvent, Shipment
from orders.signals import (
    order_cancelled,
    order_delivered,
    order_placed,
    order_shipped,
    shipment_updated,
)

logger = logging.getLogger(__name__)

SIGNAL_FOR_EVENT: dict[str, Signal] = {
    OrderEvent.Type.PLACED: order_placed,
    OrderEvent.Type.SHIPPED: order_shipped,
    OrderEvent.Type.CANCELLED: order_cancelled,
    OrderEvent.Type.SHIPMENT_UPDATED: shipment_updated,
    OrderEvent.Type.DELIVERED: order_delivered,
}
# The events whose signal also gets their ``shipment``.
WITH_SHIPMENT = frozenset({OrderEvent.Type.SHIPPED, OrderEvent.Type.SHIPMENT_UPDATED})


def dispatch_on_commit(event: OrderEvent, *, order: Order, shipment: Shipment | None) -> None:
    """Register the dispatch so receivers never see rows that might still roll back.

    The objects the service just wrote are handed to the receivers as they are, so the
    dispatch reads nothing back. Robust, so a dispatch that fails (the periodic re-dispatch
    retries it) never fails the committed request. A plain function, not a ``partial``: Django
    logs a robust callback's failure by its ``__qualname__``, and a partial's lack of one would
    raise from the log.
    """

    def dispatch() -> None:
        send_event(event, order=order, shipment=shipment)

    transaction.on_commit(dispatch, robust=True)


def dispatch_event(*, event_id: int) -> bool:
    """Load a stored event and send it, unless it was dispatched already (the re-dispatch)."""
    event = OrderEvent.objects.select_related("order", "shipment").get(pk=event_id)
    if event.dispatched_at is not None:
        return True
    return send_event(event, order=event.order, shipment=event.shipment)


def send_event(event: OrderEvent, *, order: Order, shipment: Shipment | None) -> bool:
    """Send the event's signal to every receiver; return whether all of them succeeded.

    A receiver that raises does not stop the others; ``send_robust`` logs it, with its
    traceback, on the ``django.dispatch`` logger. The event is marked dispatched only when
    every receiver succeeded; otherwise it stays pending, with one warning here that names the
    event, and ``redispatch_pending_events`` sends it again (receivers are idempotent).
    The tasks the receivers enqueue go to the broker together when they have all run
    (``delivery.publishing``); if that fails, the event stays pending too.
    """
    kwargs: dict[str, object] = {"order": order, "event": event}
    if event.type in WITH_SHIPMENT:
        kwargs["shipment"] = shipment
    with OneRoundTrip() as publishes:
        responses = SIGNAL_FOR_EVENT[event.type].send_robust(sender=Order, **kwargs)
    if publishes.error is not None:
        logger.warning(
            "%s event %s of order %s stays pending: its tasks were not enqueued (%r)",
            event.type,
            event.pk,
            order.number,
            publishes.error,
        )
        return False
    failures = sum(isinstance(result, Exception) for _receiver, result in responses)
    if failures:
        logger.warning(
            "%s event %s of order %s stays pending: %s of %s receivers failed",
            event.type,
            event.pk,
            order.number,
            failures,
            len(responses),
        )
        return False
    OrderEvent.objects.filter(pk=event.pk, dispatched_at__isnull=True).update(
        dispatched_at=timezone.now()
    )
    return True
