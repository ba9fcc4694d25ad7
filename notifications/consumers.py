"""The order feeds: live order events by position, with catch-up and gap detection.

``ws/orders/<id>/`` is one order, for its customer or staff; ``ws/orders/`` every order the
user can see. The base consumer (``shop.api.consumers``) does the protocol, the handshake's
refusals and the clean end; these add the feed. docs/websockets.md is the protocol.
"""

import json
import logging
import re
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from django.db import DatabaseError
from django.db.models import Max, QuerySet

from notifications.channel_groups import (
    STAFF_CHANNEL_GROUP,
    customer_channel_group,
    order_channel_group,
)
from notifications.messages import MESSAGE_TYPES, feed_message, order_event_message
from orders import selectors
from orders.models import OrderEvent
from shop.api.batching import Batcher
from shop.api.consumers import BAD_REQUEST, BaseConsumer

logger = logging.getLogger(__name__)

BACKLOG_CHUNK = 200
REMEMBERED_POSITIONS = 10_000
MAX_POSITION = 2**63 - 1  # the largest BigIntegerField
POSITION_DIGITS = re.compile(r"[0-9]{1,19}")
HEAD_BATCH_SECONDS = 0.01
FEED_MESSAGE_TYPES = frozenset(MESSAGE_TYPES.values())


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

    def feed(self) -> tuple[str, int]:
        """Which feed this is, for the batched head: ("all", 0), ("customer", id), ("order", id)."""
        raise NotImplementedError

    async def head(self) -> int:
        """The feed's latest position, 0 for none; batched with other sockets' heartbeats."""
        return await _heads.submit(self.feed())

    async def send_head(self, position: int) -> None:
        await self.send_json({"type": "head", "position": position})

    async def send_event(self, message: dict[str, Any], *, previous: int) -> None:
        self.remember(message["position"])
        await self.send_json(feed_message(message, previous=previous))

    def remember(self, position: int) -> None:
        self.sent_positions[position] = None
        if len(self.sent_positions) > REMEMBERED_POSITIONS:
            self.sent_positions.popitem(last=False)

    def handle_now(self, message: dict[str, Any], texts: dict[Any, bytes]) -> bool:
        """A live event in the layer's fan-out: what ``order_placed`` does, without awaiting.

        The same drop of positions already sent; the frame's text depends only on the message
        and this feed's ``previous``, so sockets with the same ``previous`` share it.
        """
        if message["type"] not in FEED_MESSAGE_TYPES:
            return False
        position = message["position"]
        if position in self.sent_positions:
            return True
        previous = self.previous(message)
        text = texts.get(("feed", previous))
        if text is None:
            text = json.dumps(feed_message(message, previous=previous)).encode()
            texts["feed", previous] = text
        if not self.send_now(text):
            return False
        self.remember(position)
        return True

    # Channel-layer handlers: a group message of type "order.shipped" calls order_shipped(),
    # "shipment.updated" shipment_updated() (notifications.messages.MESSAGE_TYPES).
    async def order_placed(self, message: dict[str, Any]) -> None:
        if message["position"] not in self.sent_positions:
            await self.send_event(message, previous=self.previous(message))

    order_shipped = order_placed
    order_cancelled = order_placed
    shipment_updated = order_placed
    order_delivered = order_placed


class OrderConsumer(OrderEventsConsumer):
    """``ws/orders/<id>/``: one order, for its customer or staff."""

    async def subscribe(self) -> tuple[str, ...] | None:
        order_id = self.scope["url_route"]["kwargs"]["order_id"]
        visible = await database_sync_to_async(
            selectors.visible_orders(user=self.user).filter(pk=order_id).exists
        )()
        return (order_channel_group(order_id),) if visible else None

    def events(self) -> QuerySet[OrderEvent]:
        order_id = self.scope["url_route"]["kwargs"]["order_id"]
        return OrderEvent.objects.filter(order_id=order_id, position__isnull=False)

    def previous(self, message: dict[str, Any]) -> int:
        return message["order_previous"]

    def feed(self) -> tuple[str, int]:
        return ("order", self.scope["url_route"]["kwargs"]["order_id"])


class OrderListConsumer(OrderEventsConsumer):
    """``ws/orders/``: every order the user can see (a customer's own; staff: all)."""

    async def subscribe(self) -> tuple[str, ...] | None:
        return (
            (STAFF_CHANNEL_GROUP,)
            if self.user.is_staff
            else (customer_channel_group(self.user.pk),)
        )

    def events(self) -> QuerySet[OrderEvent]:
        visible = selectors.visible_orders(user=self.user)
        return OrderEvent.objects.filter(order__in=visible, position__isnull=False)

    def previous(self, message: dict[str, Any]) -> int:
        # Staff see every event, so their feed has every position.
        return message["position"] - 1 if self.user.is_staff else message["customer_previous"]

    def feed(self) -> tuple[str, int]:
        return ("all", 0) if self.user.is_staff else ("customer", self.user.pk)


def _feed_heads(feeds: Sequence[tuple[str, int]]) -> list[int]:
    """The head of each feed: at most one query per kind of feed, whatever their number."""
    positioned = OrderEvent.objects.filter(position__isnull=False).order_by()
    wanted: dict[str, set[int]] = {"all": set(), "customer": set(), "order": set()}
    for kind, key in feeds:
        wanted[kind].add(key)
    heads: dict[tuple[str, int], int] = {}
    if wanted["all"]:
        heads["all", 0] = positioned.aggregate(head=Max("position"))["head"] or 0
    for kind, column in (("customer", "order__customer_id"), ("order", "order_id")):
        if wanted[kind]:
            rows = (
                positioned.filter(**{f"{column}__in": wanted[kind]})
                .values_list(column)
                .annotate(head=Max("position"))
            )
            heads.update(((kind, key), head) for key, head in rows)
    return [heads.get(feed, 0) for feed in feeds]


# Heartbeats of sockets opened together fall together: one batch answers all their heads.
_heads = Batcher(_feed_heads, delay=HEAD_BATCH_SECONDS)


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
