"""The JSON message pushed to websocket clients for an order event.

Built from the stored event, so a live push and a replay after reconnect look the same.
"""

from typing import Any, cast

from orders.models import OrderEvent
from orders.signals import (
    DeliveredPayload,
    OrderEventPayload,
    ShipmentUpdatedPayload,
    ShippedPayload,
)
from shop.api.timestamps import display, display_iso

# One group message reaches the order's, the customer's and the staff group; each feed has its
# own previous position, so the message carries both and each consumer keeps its feed's.
FEED_PREVIOUS_FIELDS = ("order_previous", "customer_previous")

# The message type of each event type; Channels routes "a.b" to the consumers' ``a_b``.
MESSAGE_TYPES: dict[str, str] = {
    OrderEvent.Type.PLACED: "order.placed",
    OrderEvent.Type.SHIPPED: "order.shipped",
    OrderEvent.Type.CANCELLED: "order.cancelled",
    OrderEvent.Type.SHIPMENT_UPDATED: "shipment.updated",
    OrderEvent.Type.DELIVERED: "order.delivered",
}


def order_event_message(event: OrderEvent) -> dict[str, Any]:
    """``type`` from ``MESSAGE_TYPES``; docs/websockets.md lists each one's fields.

    Reads only the payload keys ``orders.signals`` declares for the event's type.
    """
    payload = cast(OrderEventPayload, event.payload)
    message: dict[str, Any] = {
        "type": MESSAGE_TYPES[event.type],
        "event_id": event.pk,
        "position": event.position,
        "order_previous": event.order_previous,
        "customer_previous": event.customer_previous,
        "order_id": event.order_id,
        "order_number": payload["order_number"],
        "status": payload["status"],
        # When the event happened, as the tracking page's timeline shows it.
        "created_at": event.created_at.isoformat(),
        "created_at_display": display(event.created_at),
    }
    if event.type == OrderEvent.Type.SHIPPED:
        shipped = cast(ShippedPayload, event.payload)
        message |= {
            "shipment_id": shipped["shipment_id"],
            "lines": [
                {"item": line["item"], "sku": line["sku"], "quantity": line["quantity"]}
                for line in shipped["lines"]
            ],
            "carrier": shipped["carrier"],
            "tracking_number": shipped["tracking_number"],
            "tracking_url": shipped["tracking_url"],
            "shipped_at": shipped["shipped_at"],
        }
    elif event.type == OrderEvent.Type.SHIPMENT_UPDATED:
        updated = cast(ShipmentUpdatedPayload, event.payload)
        message |= {
            "shipment_id": updated["shipment_id"],
            "tracking_number": updated["tracking_number"],
            "shipment_status": updated["shipment_status"],
            "occurred_at": updated["occurred_at"],
            "occurred_at_display": display_iso(updated["occurred_at"]),
            "location": updated["location"],
            "message": updated["message"],
        }
    elif event.type == OrderEvent.Type.DELIVERED:
        delivered = cast(DeliveredPayload, event.payload)
        message["delivered_at"] = delivered["delivered_at"]
    return message


def feed_message(message: dict[str, Any], *, previous: int) -> dict[str, Any]:
    """What a client of one feed receives: ``previous`` is the feed's position before this one."""
    sent = {key: value for key, value in message.items() if key not in FEED_PREVIOUS_FIELDS}
    return {**sent, "previous": previous}
