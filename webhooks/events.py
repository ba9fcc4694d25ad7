"""The webhook event types, and which order event each one is.

The one mapping between the order signals and the names receivers see. A new order signal is
one line in each mapping below; the receiver and ``apps.py`` need no change.
"""

from django.dispatch import Signal

from orders.models import OrderEvent
from orders.signals import order_cancelled, order_placed, order_shipped

# Order event type -> webhook event type.
EVENT_TYPES: dict[str, str] = {
    OrderEvent.Type.PLACED: "order.placed",
    OrderEvent.Type.SHIPPED: "order.shipped",
    OrderEvent.Type.CANCELLED: "order.cancelled",
}

# The signals the receiver listens to (apps.py connects it to each).
SIGNALS: tuple[Signal, ...] = (order_placed, order_shipped, order_cancelled)

# What a subscription may name (docs/webhooks.md). ``shipment.updated`` and ``order.delivered``
# come with the fulfilment signals; they are accepted now, so subscriptions need no change once
# their signals are wired above.
SUBSCRIBABLE: tuple[str, ...] = (
    "order.placed",
    "order.shipped",
    "order.cancelled",
    "shipment.updated",
    "order.delivered",
)

# Sent only by the admin's "send a test event" action, to check an endpoint.
TEST_EVENT = "webhook.test"


def subscribed(events: list[str], event_type: str) -> bool:
    """An empty list subscribes to every event type."""
    return not events or event_type in events
