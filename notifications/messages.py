"""The JSON message pushed to websocket clients for an order event.

Built from the stored event, so a live push and a replay after reconnect look the same.
"""

from typing import Any

from orders.models import OrderEvent

SHIPMENT_FIELDS = ("carrier", "tracking_number", "tracking_url", "shipped_at")


def order_event_message(event: OrderEvent) -> dict[str, Any]:
    """``type`` is ``order.<event type>``, which Channels routes to ``order_<type>`` handlers."""
    message = {
        "type": f"order.{event.type}",
        "event_id": event.pk,
        "order_id": event.order_id,
        "order_number": event.payload["order_number"],
        "status": event.payload["status"],
    }
    if event.type == OrderEvent.Type.SHIPPED:
        message.update({field: event.payload[field] for field in SHIPMENT_FIELDS})
    return message
