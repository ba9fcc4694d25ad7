"""The receiver of the order signals: it only enqueues, so the web request sends no SQL."""

from typing import Any

from delivery.publishing import enqueue
from orders.models import Order, OrderEvent, Shipment
from webhooks import tasks

QUEUE_WEBHOOKS_UID = "webhooks.queue_webhooks"


def queue_webhooks(
    sender: type[Order],
    *,
    order: Order,
    event: OrderEvent,
    shipment: Shipment | None = None,
    **kwargs: Any,
) -> None:
    """Enqueue the task that creates the event's deliveries and sends them.

    The shipment comes from the signal's ``shipment`` argument, not from the order, so an
    order with several shipments sends the one the event is about. A failed enqueue (the
    broker down) fails this receiver and the event stays pending for the re-dispatch; a
    message lost after the broker accepted it is found by ``sweep_missing_webhooks``.
    """
    enqueue(tasks.create_deliveries, event.pk, shipment.pk if shipment else None)
