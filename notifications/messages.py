"""The JSON message pushed to websocket clients for an order event.

Built from the stored event, so a live push and a replay after reconnect look the same.
"""

from typing import Any, cast

from orders.models import OrderEvent
from orders.signals import OrderEventPayload, ShippedPayload

# One group message reaches the order's, the customer's and the staff group; each feed has its
# own previous position, so the message carries both and each consumer keeps its feed's.
FEED_PREVIOUS_FIELDS = ("order_previous", "customer_previous")


def order_event_message(event: OrderEvent) -> dict[str, Any]:
    """``type`` is ``order.<event type>``, which Channels routes to ``order_<type>`` handlers.

    Reads only the payload keys ``orders.signals`` declares for the event's type.
    """
    payload = cast(OrderEventPayload, event.payload)
    message: dict[str, Any] = {
        "type": f"order.{event.type}",
        "event_id": event.pk,
        "position": event.position,
        "order_previous": event.order_previous,
        "customer_previous": event.customer_previous,
        "order_id": event.order_id,
        "order_number": payload["order_number"],
        "status": payload["status"],
    }
    if event.type == OrderEvent.Type.SHIPPED:
        shipped = cast(ShippedPayload, event.payload)
        message |= {
            "carrier": shipped["carrier"],
            "tracking_number": shipped["tracking_number"],
            "tracking_url": shipped["tracking_url"],
            "shipped_at": shipped["shipped_at"],
        }
    return message


def feed_message(message: dict[str, Any], *, previous: int) -> dict[str, Any]:
    """What a client of one feed receives: ``previous`` is the feed's position before this one."""
    sent = {key: value for key, value in message.items() if key not in FEED_PREVIOUS_FIELDS}
    return {**sent, "previous": previous}
