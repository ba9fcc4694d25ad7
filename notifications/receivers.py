"""Receivers of the orders app's signals. Fast and idempotent: slow work goes to Celery."""

from typing import Any

from channels.db import database_sync_to_async

from notifications import tasks
from notifications.channel_groups import (
    STAFF_CHANNEL_GROUP,
    customer_channel_group,
    order_channel_group,
)
from notifications.messages import order_event_message
from notifications.services import record_watcher_event
from orders.models import Order, OrderEvent, Shipment
from shop.api import publish

QUEUE_SHIPMENT_EMAIL_UID = "notifications.queue_shipment_email"
PUSH_ORDER_EVENT_UID = "notifications.push_order_event"
TRACK_LIVE_WATCHERS_UID = "notifications.track_live_watchers"


def queue_shipment_email(
    sender: type[Order], *, order: Order, shipment: Shipment, event: OrderEvent, **kwargs: Any
) -> None:
    """Enqueue the shipment email's task, if the customer wants it; no SQL in the request.

    The task logs the email once per event, then sends it. An enqueue that fails (the broker
    down) fails this receiver, so the event stays pending and the re-dispatch enqueues again;
    a message the broker lost after accepting it is found by ``sweep_missing_emails``.
    """
    if shipment.notify_customer:
        tasks.send_shipment_email.delay_on_commit(event.pk)


def push_order_event(
    sender: type[Order], *, order: Order, event: OrderEvent, **kwargs: Any
) -> None:
    """Send the event to everyone watching: the order's, the customer's and the staff channel group.

    Sync, through ``shop.api.publish``: the three sends go out together over the process's
    long-lived channel-layer connections. It touches no database: everything it sends was
    loaded with the event.
    """
    message = order_event_message(event)
    publish.group_send(
        [
            (order_channel_group(order.pk), message),
            (customer_channel_group(order.customer_id), message),
            (STAFF_CHANNEL_GROUP, message),
        ]
    )


async def track_live_watchers(
    sender: type,
    *,
    event: str,
    data: dict[str, Any],
    user: Any,
    path: str,
    channel_name: str,
    **kwargs: Any,
) -> None:
    """Keep ``LiveWatcher`` rows in step with open websocket subscriptions (for the admin).

    The query runs through Channels' ``database_sync_to_async``, which closes the connection
    afterwards as a request does; Django's async ORM would keep one open in a worker thread for
    the life of the process, and it would break on the first database restart.
    """
    await database_sync_to_async(record_watcher_event)(
        event=event, user=user, path=path, channel_name=channel_name, order_id=data.get("order_id")
    )
