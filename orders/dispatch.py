"""Send an order event's signal once its transaction has committed: the outbox dispatcher."""

import logging

from django.db import transaction
from django.db.models import Max, QuerySet
from django.dispatch import Signal
from django.utils import timezone

from orders.models import EventSequence, Order, OrderEvent
from orders.signals import order_cancelled, order_placed, order_shipped

logger = logging.getLogger(__name__)

SIGNAL_FOR_EVENT: dict[str, Signal] = {
    OrderEvent.Type.PLACED: order_placed,
    OrderEvent.Type.SHIPPED: order_shipped,
    OrderEvent.Type.CANCELLED: order_cancelled,
}


def dispatch_on_commit(event: OrderEvent) -> None:
    """Register the dispatch so receivers never see rows that might still roll back.

    Robust, so a dispatch that fails (the periodic re-dispatch retries it) never fails the
    committed request. A plain function, not a ``partial``: Django logs a robust callback's
    failure by its ``__qualname__``, and a partial's lack of one would raise from the log.
    """
    event_id = event.pk

    def dispatch() -> None:
        dispatch_event(event_id=event_id)

    transaction.on_commit(dispatch, robust=True)


def dispatch_event(*, event_id: int) -> bool:
    """Send the event's signal to every receiver; return whether all of them succeeded.

    A receiver that raises does not stop the others; ``send_robust`` logs it, with its
    traceback, on the ``django.dispatch`` logger. The event is marked dispatched only when
    every receiver succeeded; otherwise it stays pending, with one warning here that names the
    event, and ``redispatch_pending_events`` sends it again (receivers are idempotent).
    """
    assign_position(event_id=event_id)
    event = OrderEvent.objects.select_related("order__customer", "order__shipment").get(pk=event_id)
    if event.dispatched_at is not None:
        return True
    kwargs = {"order": event.order, "event": event}
    if event.type == OrderEvent.Type.SHIPPED:
        kwargs["shipment"] = event.order.shipment
    responses = SIGNAL_FOR_EVENT[event.type].send_robust(sender=Order, **kwargs)
    failures = sum(isinstance(result, Exception) for _receiver, result in responses)
    if failures:
        logger.warning(
            "%s event %s of order %s stays pending: %s of %s receivers failed",
            event.type,
            event.pk,
            event.order.number,
            failures,
            len(responses),
        )
        return False
    OrderEvent.objects.filter(pk=event.pk, dispatched_at__isnull=True).update(
        dispatched_at=timezone.now()
    )
    return True


def assign_position(*, event_id: int) -> None:
    """Give a committed event its feed position, unless it has one.

    Runs after the event's own transaction committed, in a short one that locks the sequence
    row first: assignments are serialised, so positions commit in numeric order and a reader
    that sees position N also sees every position below it. Called again by the periodic
    re-dispatch, it positions events whose process died right after their commit.
    """
    with transaction.atomic():
        sequence, _ = EventSequence.objects.select_for_update().get_or_create(pk=1)
        event = OrderEvent.objects.select_related("order").get(pk=event_id)
        if event.position is not None:
            return
        positioned = OrderEvent.objects.filter(position__isnull=False)
        sequence.last_position += 1
        sequence.save(update_fields=["last_position"])
        OrderEvent.objects.filter(pk=event_id).update(
            position=sequence.last_position,
            order_previous=_last_position(positioned.filter(order_id=event.order_id)),
            customer_previous=_last_position(
                positioned.filter(order__customer_id=event.order.customer_id)
            ),
        )


def _last_position(events: QuerySet[OrderEvent]) -> int:
    return events.aggregate(last=Max("position"))["last"] or 0
