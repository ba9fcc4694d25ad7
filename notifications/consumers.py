"""Websocket consumers: live order events with catch-up, and live warehouse notices.

Every subscription is authorised at the handshake; anything refused (not signed in, not your
order, no such order) is closed the same way, so a client cannot probe which orders exist.

Whatever ends a connection (the client, an exception anywhere in the consumer, the server
cancelling it), the consumer cleans up exactly once: heartbeat cancelled, every group left,
``disconnect`` announced (which deletes the ``LiveWatcher`` row). docs/websockets.md lists the
close codes.
"""

import asyncio
import json
import logging
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.db import DatabaseError
from django.db.models import Max, QuerySet

from notifications import layer
from notifications.auth import still_signed_in
from notifications.groups import STAFF_GROUP, WAREHOUSE_GROUP, customer_group, order_group
from notifications.messages import feed_message, order_event_message
from notifications.models import LiveWatcher
from notifications.signals import websocket_event
from orders import selectors
from orders.models import OrderEvent

logger = logging.getLogger(__name__)

# Close codes; the table in docs/websockets.md says what a client should do with each.
ABNORMAL = 1006  # never sent: recorded when a connection ended without a close frame
INTERNAL_ERROR = 1011  # an unexpected exception in the consumer
TRY_AGAIN_LATER = 1013  # the channel layer (Redis) is unreachable
BAD_REQUEST = 4400
REFUSED = 4403  # one close code for every refusal, and for a user no longer signed in
NOT_FOUND = 4404
MAX_FRAME_CHARS = 4096
BACKLOG_CHUNK = 200
REMEMBERED_POSITIONS = 10_000
MAX_POSITION = 2**63 - 1  # the largest BigIntegerField
POSITION_DIGITS = re.compile(r"[0-9]{1,19}")
# Held by the "Warehouse staff" group (the warehouse app's permission, named, not imported).
WAREHOUSE_PERMISSION = "warehouse.view_warehousenotice"

ASGISend = Callable[[dict[str, Any]], Awaitable[None]]


class BadFrame(ValueError):
    """A client frame outside the protocol; the message is the error frame's ``detail``."""


def _no_constants(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def parse_frame(text_data: str | None) -> dict[str, Any]:
    """The client frame as a dict with a string ``type``, or BadFrame saying what is wrong."""
    if text_data is None:
        raise BadFrame("Send JSON text frames, not binary.")
    if len(text_data) > MAX_FRAME_CHARS:
        raise BadFrame(f"Frame too large: at most {MAX_FRAME_CHARS} characters.")
    try:
        frame = json.loads(text_data, parse_constant=_no_constants)
    except (ValueError, RecursionError):  # RecursionError: "[[[[..." nested past the C stack
        raise BadFrame("Malformed JSON.") from None
    if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
        raise BadFrame('Frames are JSON objects with a string "type".')
    return frame


class BaseConsumer(AsyncWebsocketConsumer):
    """JSON frames, error frames for bad input, ``websocket_event``, and a clean end.

    A client frame ``{"type": "<name>", ...}`` is answered by ``handle_<name>(frame)``: a new
    frame type is a new method.
    """

    channel_name = ""  # until the channel layer has given one (logging may need it before)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.groups_joined: list[str] = []
        self.heartbeat: asyncio.Task[None] | None = None
        self.accepted = False
        self.closed = False  # a close was sent or received: nothing more goes to the client
        self.announced = False  # "connect" was announced, so "disconnect" must be
        self.cleanup: asyncio.Future[None] | None = None

    async def __call__(self, scope: dict[str, Any], receive, send: ASGISend) -> None:
        """Run the consumer; an exception ends the connection cleanly instead of killing it."""
        try:
            await super().__call__(scope, receive, self.guard_send(send))
        except Exception as exc:
            await self.fail(exc)
        finally:
            await self.clean_up(ABNORMAL)  # done already, unless the task was cancelled

    def guard_send(self, send: ASGISend) -> ASGISend:
        """The server's ``send``, made harmless once the socket is closed.

        A push or an error frame can race the client's close; servers then raise (uvicorn's
        ClientDisconnected, Daphne's "Attempt to send on a closed protocol"), and that must not
        kill the consumer before its clean-up.
        """

        async def send_while_open(message: dict[str, Any]) -> None:
            if self.closed:
                return
            self.accepted |= message["type"] == "websocket.accept"
            self.closed |= message["type"] == "websocket.close"
            try:
                await send(message)
            except Exception as exc:  # each server raises its own type for a vanished client
                self.closed = True
                logger.info("%s on %s: the client is gone (%r)", self, self.channel_name, exc)

        return send_while_open

    def __str__(self) -> str:
        return type(self).__name__

    async def subscribe(self) -> tuple[str, ...] | None:
        """Groups to join for this user and URL, or None to refuse the handshake."""
        raise NotImplementedError

    async def after_accept(self) -> None:
        """Send what the client should see before live messages (backlog, snapshot)."""

    async def on_heartbeat(self) -> None:
        """Send what the client should hear now and then (the order feeds send their head)."""

    async def connect(self) -> None:
        self.user = self.scope["user"]
        groups = await self.subscribe() if self.user.is_authenticated else None
        if groups is None:
            await self.close(code=REFUSED)
            return
        # Join before reading any backlog, so nothing committed in between is missed.
        for group in groups:
            self.groups_joined.append(group)  # first: a join cut short is still left
            await layer.join(self.channel_layer, group, self.channel_name)
        await self.accept()
        self.announced = True
        await self.announce("connect", self.subscription_data())
        self.heartbeat = asyncio.create_task(self.beat())
        await self.after_accept()

    async def beat(self) -> None:
        """Say the subscription is alive, and end it once its user is no longer signed in.

        It runs as its own task, so its exceptions end the connection here.
        """
        try:
            while True:
                await asyncio.sleep(LiveWatcher.HEARTBEAT_SECONDS)
                if not await still_signed_in(self.scope):
                    await self.end(REFUSED, "You are no longer signed in.")
                    return
                await self.announce("heartbeat", {})
                await self.on_heartbeat()
        except Exception as exc:
            await self.fail(exc)

    async def disconnect(self, code: int) -> None:
        self.closed = True
        await self.clean_up(code)

    async def fail(self, exc: Exception) -> None:
        """Log an unexpected exception, then end with 1013 (layer unreachable) or 1011."""
        if isinstance(exc, layer.UNAVAILABLE):
            code, detail = TRY_AGAIN_LATER, "The server is busy; try again later."
        else:
            code, detail = INTERNAL_ERROR, "Internal server error."
        logger.error(
            "%s on %s failed, closing with %s", self, self.channel_name, code, exc_info=exc
        )
        await self.end(code, detail)

    async def end(self, code: int, detail: str) -> None:
        """Send an error frame saying why and close with ``code`` (if still open); clean up."""
        if not self.closed:
            if not self.accepted:
                await self.accept()  # a refused handshake would hide the code and the detail
            await self.send_error(detail)
            await self.close(code=code)
        await self.clean_up(code)

    async def clean_up(self, code: int) -> None:
        """Cancel the heartbeat, leave every group, announce ``disconnect``: once, whoever asks.

        It runs in a task of its own, awaited through a shield, so a caller cancelled meanwhile
        (the server dropping the connection) cannot cut it short.
        """
        if self.cleanup is None:
            self.cleanup = asyncio.ensure_future(self._clean_up(code))
        await asyncio.shield(self.cleanup)

    async def _clean_up(self, code: int) -> None:
        if self.heartbeat is not None:
            self.heartbeat.cancel()
        for group in self.groups_joined:
            try:
                await layer.leave(self.channel_layer, group, self.channel_name)
            except Exception:
                # It stays a member until group_expiry; pushes to it are dropped meanwhile.
                logger.exception("%s on %s could not leave %s", self, self.channel_name, group)
        if self.announced:
            await self.announce("disconnect", {"code": code})

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        try:
            frame = parse_frame(text_data)
        except BadFrame as bad:
            await self.send_error(str(bad))
            return
        await self.announce("message", frame)
        kind = frame["type"]
        handler = getattr(self, f"handle_{kind}", None) if kind.isidentifier() else None
        if handler is None:
            await self.send_error(f"Unknown message type {kind[:50]!r}.")
        else:
            await handler(frame)

    async def handle_ping(self, frame: dict[str, Any]) -> None:
        await self.send_json({"type": "pong"})

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
                    getattr(receiver, "__module__", "?"),
                    getattr(receiver, "__qualname__", repr(receiver)),
                    event,
                    exc_info=result,
                )


class OrderEventsConsumer(BaseConsumer):
    """One feed of order events, by position: stored ones after ``?after=`` or a ``catch_up``
    frame, then live ones from the channel layer.

    Positions are committed in numeric order, so a replay of ``> after`` is exact. Each event
    carries its feed's ``previous`` position, so a client notices a lost push, and a ``head``
    frame (after each replay and on every heartbeat) shows it a lost last push. Positions
    already sent are remembered and live copies of them dropped: the backlog/live seam and a
    re-dispatched event never reach the client twice.
    """

    def events(self) -> QuerySet[OrderEvent]:
        """The stored events this subscription covers."""
        raise NotImplementedError

    def previous(self, message: dict[str, Any]) -> int:
        """The position before this group message's in this feed."""
        raise NotImplementedError

    async def connect(self) -> None:
        self.sent_positions: OrderedDict[int, None] = OrderedDict()
        await super().connect()

    async def after_accept(self) -> None:
        values = _query_values(self.scope, "after")
        if not values:
            return
        after = _position_in_url(values[0]) if len(values) == 1 else None
        if after is None:
            await self.end(BAD_REQUEST, f"after must be one position, 0 to {MAX_POSITION}.")
            return
        await self.replay(after=after)

    async def handle_catch_up(self, frame: dict[str, Any]) -> None:
        if (after := _position(frame.get("after"))) is None:
            await self.send_error(f'catch_up needs "after": a position, 0 to {MAX_POSITION}.')
        else:
            await self.replay(after=after)

    async def on_heartbeat(self) -> None:
        try:
            head = await self.head()
        except DatabaseError:  # the next heartbeat tells it; the heartbeat itself must go on
            logger.warning("No head for %s: database unavailable", self.scope["path"])
            return
        await self.send_head(head)

    async def replay(self, *, after: int) -> None:
        """Send every stored event after ``after`` in position order, then ``head``.

        Sent even if already sent live: the client asked, and may have dropped it as a gap.
        Each one's ``previous`` is the one sent before it, so the replay is gap-free even
        where an event was deleted since.
        """
        previous = after
        while batch := await self.backlog(after=previous):
            for message in batch:
                await self.send_event(message, previous=previous)
                previous = message["position"]
        await self.send_head(previous)

    @database_sync_to_async
    def backlog(self, *, after: int) -> list[dict[str, Any]]:
        events = self.events().filter(position__gt=after).order_by("position")
        return [order_event_message(event) for event in events[:BACKLOG_CHUNK]]

    @database_sync_to_async
    def head(self) -> int:
        """The feed's latest position, 0 for none."""
        return self.events().aggregate(head=Max("position"))["head"] or 0

    async def send_head(self, position: int) -> None:
        await self.send_json({"type": "head", "position": position})

    async def send_event(self, message: dict[str, Any], *, previous: int) -> None:
        self.sent_positions[message["position"]] = None
        if len(self.sent_positions) > REMEMBERED_POSITIONS:
            self.sent_positions.popitem(last=False)
        await self.send_json(feed_message(message, previous=previous))

    # Channel-layer handlers: a group message of type "order.shipped" calls order_shipped().
    async def order_placed(self, message: dict[str, Any]) -> None:
        if message["position"] not in self.sent_positions:
            await self.send_event(message, previous=self.previous(message))

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
        order_id = self.scope["url_route"]["kwargs"]["order_id"]
        return OrderEvent.objects.filter(order_id=order_id, position__isnull=False)

    def previous(self, message: dict[str, Any]) -> int:
        return message["order_previous"]


class OrderListConsumer(OrderEventsConsumer):
    """``ws/orders/``: every order the user can see (a customer's own; staff: all)."""

    async def subscribe(self) -> tuple[str, ...] | None:
        return (STAFF_GROUP,) if self.user.is_staff else (customer_group(self.user.pk),)

    def events(self) -> QuerySet[OrderEvent]:
        visible = selectors.visible_orders(user=self.user)
        return OrderEvent.objects.filter(order__in=visible, position__isnull=False)

    def previous(self, message: dict[str, Any]) -> int:
        # Staff see every event, so their feed has every position.
        return message["position"] - 1 if self.user.is_staff else message["customer_previous"]


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


def _query_values(scope: dict[str, Any], name: str) -> list[str]:
    query = scope.get("query_string", b"").decode("latin1")
    return parse_qs(query, keep_blank_values=True).get(name, [])


def _position(value: object) -> int | None:
    """A position sent by the client: an integer that fits a BigIntegerField, else None."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_POSITION:
        return value
    return None


def _position_in_url(value: str) -> int | None:
    """Only 1-19 ASCII digits: ``str.isdigit()`` accepts "²", and ``int()`` of thousands of
    digits raises."""
    return _position(int(value)) if POSITION_DIGITS.fullmatch(value) else None
