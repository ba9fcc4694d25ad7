"""Receivers of the orders app's signals. Fast and idempotent: slow work goes to Celery."""

import asyncio
import os
import socket
import time
import uuid
from collections.abc import Sequence
from typing import Any, Protocol

from delivery.publishing import enqueue
from notifications import tasks
from notifications.channel_groups import (
    STAFF_CHANNEL_GROUP,
    customer_channel_group,
    order_channel_group,
)
from notifications.messages import order_event_message
from notifications.services import WatcherChange, apply_watcher_changes, email_kind
from orders.models import Order, OrderEvent, Shipment
from shop.api import publish
from shop.api.batching import Batcher

QUEUE_SHIPMENT_EMAIL_UID = "notifications.queue_shipment_email"
QUEUE_TRACKING_EMAIL_UID = "notifications.queue_tracking_email"
PUSH_ORDER_EVENT_UID = "notifications.push_order_event"
TRACK_LIVE_WATCHERS_UID = "notifications.track_live_watchers"

_processes: dict[int, str] = {}
WATCHER_BATCH_SECONDS = 0.005  # how long a connect or disconnect waits for others to join it


class _Consumer(Protocol):
    """What a websocket signal's sender (a ``shop.api.consumers`` class) tells its receivers."""

    heartbeat_seconds: float


def this_process() -> str:
    """This server process, as its watcher rows name it (by pid, so a fork gets its own)."""
    pid = os.getpid()
    if pid not in _processes:
        _processes[pid] = f"{socket.gethostname()}:{pid}:{uuid.uuid4().hex[:8]}"
    return _processes[pid]


def _apply_watcher_changes(changes: Sequence[WatcherChange]) -> list[None]:
    apply_watcher_changes(changes=changes)
    return [None] * len(changes)


_watcher_changes = Batcher(_apply_watcher_changes, delay=WATCHER_BATCH_SECONDS)
_last_touch = [float("-inf")]  # when this process last touched its rows (time.monotonic)
_undeleted: set[str] = set()  # channels whose row could not be deleted at their disconnect


def queue_shipment_email(
    sender: type[Order], *, order: Order, shipment: Shipment, event: OrderEvent, **kwargs: Any
) -> None:
    """Enqueue the shipment email's task, if the customer wants it; no SQL in the request.

    The task logs the email once per parcel, then sends it. An enqueue that fails (the broker
    down) fails this receiver, so the event stays pending and the re-dispatch enqueues again;
    a message the broker lost after accepting it is found by ``sweep_missing_emails``.
    """
    if shipment.notify_customer:
        enqueue(tasks.send_shipment_email, event.pk)


def queue_tracking_email(
    sender: type[Order], *, order: Order, shipment: Shipment, event: OrderEvent, **kwargs: Any
) -> None:
    """Enqueue the out-for-delivery or delivered email of a parcel whose customer wants
    email; other status changes are not emailed. The same task and guarantees as the shipped
    email: one email per parcel and kind."""
    if shipment.notify_customer and email_kind(event) is not None:
        enqueue(tasks.send_shipment_email, event.pk)


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
    sender: type[_Consumer],
    *,
    event: str,
    data: dict[str, Any],
    user: Any,
    path: str,
    channel_name: str,
    **kwargs: Any,
) -> None:
    """Keep ``LiveWatcher`` rows in step with open websocket subscriptions (for the admin).

    Connects and disconnects are batched per process (``shop.api.batching``): a burst of
    thousands is a few bulk statements, not thousands of calls queued on Channels' one
    database thread. They still return only once written, so a socket that answered a ping
    has its row. Client messages write nothing; a heartbeat touches this process's rows at
    most once per half heartbeat interval, whichever socket beats first.

    The touch keeps every row of a live process, so a delete that failed (the database was
    down at the disconnect) would leave a ghost for the life of the process: such channels
    are remembered, and deleted again with the next touch.
    """
    if event == "connect":
        connected = WatcherChange(
            event,
            channel_name=channel_name,
            process=this_process(),
            user_id=user.pk,
            path=path,
            order_id=data.get("order_id"),
        )
        await _watcher_changes.submit(connected)
    elif event == "disconnect":
        try:
            await _watcher_changes.submit(WatcherChange(event, channel_name=channel_name))
        except Exception:
            _undeleted.add(channel_name)
            raise
    elif event == "heartbeat" and _touch_due(sender.heartbeat_seconds / 2):
        await _touch(WatcherChange("touch", process=this_process()))


async def _touch(touch: WatcherChange) -> None:
    """Touch this process's rows, in one batch with the deletes that failed before."""
    retries = [WatcherChange("disconnect", channel_name=name) for name in _undeleted]
    await asyncio.gather(*(_watcher_changes.submit(change) for change in [*retries, touch]))
    _undeleted.difference_update(change.channel_name for change in retries)


def _touch_due(interval: float) -> bool:
    """Whether this process's rows are due a touch; if so, the caller touches them now."""
    now = time.monotonic()
    if now - _last_touch[0] < interval:
        return False
    _last_touch[0] = now
    return True
