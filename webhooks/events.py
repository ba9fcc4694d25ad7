"""The webhook event types, and which order event each one is.

The one mapping between the order signals and the names receivers see. A new order signal is
one line in each mapping below; the receiver and ``apps.py`` need no change.
"""

from django.dispatch import Signal

from orders.models import OrderEvent
from orders.signals import (
    order_cancelled,
    order_delivered,
    order_placed,
    order_shipped,
    shipment_updated,
)

# Order event type -> webhook event type.
EVENT_TYPES: dict[str, str] = {
    OrderEvent.Type.PLACED: "order.placed",
    OrderEvent.Type.SHIPPED: "order.shipped",
    OrderEvent.Type.CANCELLED: "order.cancelled",
    OrderEvent.Type.SHIPMENT_UPDATED: "shipment.updated",
    OrderEvent.Type.DELIVERED: "order.delivered",
}

# The signals the receiver listens to (apps.py connects it to each).
SIGNALS: tuple[Signal, ...] = (
    order_placed,
    order_shipped,
    order_cancelled,
    shipment_updated,
    order_delivered,
)

# What a subscription may name (docs/webhooks.md).
SUBSCRIBABLE: tuple[str, ...] = tuple(EVENT_TYPES.values())

# Sent only by the admin's "send a test event" action, to check an endpoint.
TEST_EVENT = "webhook.test"


def subscribed(events: list[str], event_type: str) -> bool:
    """An empty list subscribes to every event type."""
    return not events or event_type in events
