"""Send an order event's signal once its transaction has committed: the outbox dispatcher."""

import logging
from functools import partial

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from orders.models import Order, OrderEvent
from orders.signals import order_cancelled, order_placed, order_shipped

logger = logging.getLogger(__name__)

SIGNAL_FOR_EVENT: dict[str, Signal] = {
    OrderEvent.Type.PLACED: order_placed,
    OrderEvent.Type.SHIPPED: order_shipped,
    OrderEvent.Type.CANCELLED: order_cancelled,
}


def dispatch_on_commit(event: OrderEvent) -> None:
    """Register the dispatch so receivers never see rows that might still roll back."""
    transaction.on_commit(partial(dispatch_event, event_id=event.pk), robust=True)


def dispatch_event(*, event_id: int) -> bool:
    """Send the event's signal to every receiver; return whether all of them succeeded.

    A receiver that raises is logged and does not stop the others. The event is marked
    dispatched only when every receiver succeeded; otherwise it stays pending and
    ``redispatch_pending_events`` sends it again (receivers are idempotent).
    """
    event = OrderEvent.objects.select_related("order__customer", "order__shipment").get(pk=event_id)
    if event.dispatched_at is not None:
        return True
    kwargs = {"order": event.order, "event": event}
    if event.type == OrderEvent.Type.SHIPPED:
        kwargs["shipment"] = event.order.shipment
    responses = SIGNAL_FOR_EVENT[event.type].send_robust(sender=Order, **kwargs)
    failures = [
        (receiver, result) for receiver, result in responses if isinstance(result, Exception)
    ]
    for receiver, error in failures:
        logger.error(
            "Receiver %s.%s failed for %s event %s of order %s",
            receiver.__module__,
            receiver.__qualname__,
            event.type,
            event.pk,
            event.order.number,
            exc_info=error,
        )
    if failures:
        return False
    OrderEvent.objects.filter(pk=event.pk, dispatched_at__isnull=True).update(
        dispatched_at=timezone.now()
    )
    return True
