"""Websocket consumers: live order events with catch-up, and live warehouse notices.

Every subscription is authorised at the handshake; anything refused (not signed in, not your
order, no such order) is closed the same way, so a client cannot probe which orders exist.
"""

import asyncio
import json
import logging
from collections import OrderedDict
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.db.models import QuerySet

from notifications.groups import STAFF_GROUP, WAREHOUSE_GROUP, customer_group, order_group
from notifications.messages import order_event_message
from notifications.models import LiveWatcher
from notifications.signals import websocket_event
from orders import selectors
from orders.models import OrderEvent

logger = logging.getLogger(__name__)

REFUSED = 4403  # one close code for every refusal
BAD_REQUEST = 4400
NOT_FOUND = 4404
MAX_FRAME_CHARS = 4096
BACKLOG_CHUNK = 200
REMEMBERED_EVENT_IDS = 10_000
# Held by the "Warehouse staff" group (the warehouse app's permission, named, not imported).
WAREHOUSE_PERMISSION = "warehouse.view_warehousenotice"


class BaseConsumer(AsyncWebsocketConsumer):
    """JSON frames, ``ping``/``pong``, error frames for bad input, and ``websocket_event``."""

    groups_joined: tuple[str, ...] = ()

    async def subscribe(self) -> tuple[str, ...] | None:
        """Groups to join for this user and URL, or None to refuse the handshake."""
        raise NotImplementedError

    async def after_accept(self) -> None:
        """Send what the client should see before live messages (backlog, snapshot)."""

    async def connect(self) -> None:
        self.user = self.scope["user"]
        groups = await self.subscribe() if self.user.is_authenticated else None
        if groups is None:
            await self.close(code=REFUSED)
            return
        # Join before reading any backlog, so nothing committed in between is missed.
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
        self.groups_joined = groups
        await self.accept()
        await self.announce("connect", self.subscription_data())
        self.heartbeat = asyncio.create_task(self.beat())
        await self.after_accept()

    async def beat(self) -> None:
        """Say the subscription is alive, also while the client only listens."""
        while True:
            await asyncio.sleep(LiveWatcher.HEARTBEAT_SECONDS)
            await self.announce("heartbeat", {})

    async def disconnect(self, code: int) -> None:
        if heartbeat := getattr(self, "heartbeat", None):
            heartbeat.cancel()
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)
        if self.groups_joined:
            await self.announce("disconnect", {"code": code})

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is None:
            await self.send_error("Send JSON text frames, not binary.")
            return
        if len(text_data) > MAX_FRAME_CHARS:
            await self.send_error(f"Frame too large: at most {MAX_FRAME_CHARS} characters.")
            return
        try:
            frame = json.loads(text_data)
        except ValueError:
            await self.send_error("Malformed JSON.")
            return
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            await self.send_error('Frames are JSON objects with a string "type".')
            return
        await self.announce("message", frame)
        if frame["type"] == "ping":
            await self.send_json({"type": "pong"})
        else:
            await self.send_error(f"Unknown message type {frame['type'][:50]!r}.")

    async def send_json(self, content: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(content))

    async def send_error(self, detail: str) -> None:
        await self.send_json({"type": "error", "detail": detail})

    def subscription_data(self) -> dict[str, Any]:
        return dict(self.scope["url_route"]["kwargs"])

    async def announce(self, event: str, data: dict[str, Any]) -> None:
        responses = await websocket_event.asend_robust(
            sender=type(self),
            event=event,
            data=data,
            user=self.user,
            path=self.scope["path"],
            channel_name=self.channel_name,
        )
        for receiver, result in responses:
            if isinstance(result, Exception):
                logger.error(
                    "websocket_event receiver %s.%s failed on %s",
                    receiver.__module__,
                    receiver.__qualname__,
                    event,
                    exc_info=result,
                )


class OrderEventsConsumer(BaseConsumer):
    """Order events: live from the channel layer, and from the event table after ``?after=``.

    Event ids already sent are remembered and dropped, so the backlog/live seam and a
    re-dispatched event never reach the client twice.
    """

    def events(self) -> QuerySet[OrderEvent]:
        """The stored events this subscription covers."""
        raise NotImplementedError

    async def connect(self) -> None:
        self.sent_ids: OrderedDict[int, None] = OrderedDict()
        await super().connect()

    async def after_accept(self) -> None:
        raw_after = _query_param(self.scope, "after")
        if raw_after is None:
            return
        if not raw_after.isdigit():
            await self.send_error("after must be a non-negative integer event id.")
            await self.close(code=BAD_REQUEST)
            return
        last_id = int(raw_after)
        while batch := await self.backlog(after=last_id):
            for message in batch:
                await self.send_event(message)
            last_id = batch[-1]["event_id"]

    @database_sync_to_async
    def backlog(self, *, after: int) -> list[dict[str, Any]]:
        events = self.events().filter(id__gt=after).order_by("id")[:BACKLOG_CHUNK]
        return [order_event_message(event) for event in events]

    async def send_event(self, message: dict[str, Any]) -> None:
        event_id = message["event_id"]
        if event_id in self.sent_ids:
            return
        self.sent_ids[event_id] = None
        if len(self.sent_ids) > REMEMBERED_EVENT_IDS:
            self.sent_ids.popitem(last=False)
        await self.send_json(message)

    # Channel-layer handlers: a group message of type "order.shipped" calls order_shipped().
    async def order_placed(self, message: dict[str, Any]) -> None:
        await self.send_event(message)

    order_shipped = order_placed
    order_cancelled = order_placed


class OrderConsumer(OrderEventsConsumer):
    """``ws/orders/<id>/``: one order, for its customer or staff."""

    async def subscribe(self) -> tuple[str, ...] | None:
        order_id = self.scope["url_route"]["kwargs"]["order_id"]
        visible = await database_sync_to_async(
            selectors.visible_orders(user=self.user).filter(pk=order_id).exists
        )()
        return (order_group(order_id),) if visible else None

    def events(self) -> QuerySet[OrderEvent]:
        return OrderEvent.objects.filter(order_id=self.scope["url_route"]["kwargs"]["order_id"])


class OrderListConsumer(OrderEventsConsumer):
    """``ws/orders/``: every order the user can see (a customer's own; staff: all)."""

    async def subscribe(self) -> tuple[str, ...] | None:
        return (STAFF_GROUP,) if self.user.is_staff else (customer_group(self.user.pk),)

    def events(self) -> QuerySet[OrderEvent]:
        return OrderEvent.objects.filter(order__in=selectors.visible_orders(user=self.user))


class WarehouseConsumer(BaseConsumer):
    """``ws/warehouse/``: warehouse staff only; relays the warehouse app's live notice updates.

    Messages are keyed by ``notice_id``; clients upsert them. There is no ``?after=``: on
    (re)connect a client reads the current notices from ``GET /api/warehouse/notices/`` after
    the socket is open, so nothing is missed (notifications never imports warehouse).
    """

    async def subscribe(self) -> tuple[str, ...] | None:
        allowed = self.user.is_staff and await database_sync_to_async(self.user.has_perm)(
            WAREHOUSE_PERMISSION
        )
        return (WAREHOUSE_GROUP,) if allowed else None

    async def warehouse_notice(self, message: dict[str, Any]) -> None:
        await self.send_json(message)


class UnknownPathConsumer(AsyncWebsocketConsumer):
    """Any other ``ws/`` path: refused at the handshake rather than an error in the router."""

    async def connect(self) -> None:
        await self.close(code=NOT_FOUND)


def _query_param(scope: dict[str, Any], name: str) -> str | None:
    query = scope.get("query_string", b"").decode("latin1")
    values = parse_qs(query, keep_blank_values=True).get(name)
    return values[-1] if values else None
