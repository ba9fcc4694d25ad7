"""The websocket base consumer: JSON frames, error frames, ``websocket_event``, a clean end.

Every subscription is authorised at the handshake; anything refused (not signed in, not
yours, no such thing) is closed the same way, so a client cannot probe what exists.

Whatever ends a connection (the client, an exception anywhere in the consumer, the server
cancelling it), the consumer cleans up exactly once: heartbeat cancelled, every channel group
left, ``disconnect`` announced. docs/websockets.md lists the close codes.
"""

import asyncio
import contextlib
import functools
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer

from shop.api import channel_layer
from shop.api.signals import websocket_event
from shop.api.websocket_auth import still_signed_in

logger = logging.getLogger(__name__)

# Close codes; the table in docs/websockets.md says what a client should do with each.
ABNORMAL = 1006  # never sent: recorded when a connection ended without a close frame
INTERNAL_ERROR = 1011  # an unexpected exception in the consumer
TRY_AGAIN_LATER = 1013  # the channel layer (Redis) is unreachable
BAD_REQUEST = 4400
REFUSED = 4403  # one close code for every refusal, and for a user no longer signed in
NOT_FOUND = 4404
MAX_FRAME_CHARS = 4096
HEARTBEAT_SECONDS = 60  # how often an open subscription says it is alive


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


ASGISend = Callable[[dict[str, Any]], Awaitable[None]]


async def dispatch_in_turn(
    sources: list[Callable[[], Awaitable[dict[str, Any]]]],
    dispatch: Callable[[dict[str, Any]], Awaitable[None]],
) -> None:
    """Channels' ``await_many_dispatch`` without an ``asyncio.wait`` per message.

    The same contract: one message dispatched at a time, and a source not read again until its
    last message has been dispatched (so uvicorn's flow control still holds back a flooding
    client). ``asyncio.wait`` sets up and tears down callbacks on every source for each
    message; here each read reports itself done. A push to 500 sockets of a process spent a
    fifth of its time in that set-up (bench/README.md).
    """
    loop = asyncio.get_running_loop()
    finished: list[int] = []  # sources whose read is done, in that order (a list: 2 at most)
    waiter: list[asyncio.Future[None]] = []  # the loop's, while it waits for one

    def done(index: int) -> None:
        finished.append(index)
        if waiter and not waiter[0].done():
            waiter[0].set_result(None)

    def read(index: int) -> asyncio.Future[dict[str, Any]]:
        future = asyncio.ensure_future(sources[index]())
        future.add_done_callback(lambda _: done(index))
        return future

    reads = [read(index) for index in range(len(sources))]
    try:
        while True:
            while not finished:
                waiter[:] = [loop.create_future()]
                await waiter[0]
            index = finished.pop(0)
            message = reads[index].result()
            await dispatch(message)
            reads[index] = read(index)
    finally:
        for future in reads:
            future.cancel()
        for future in reads:
            with contextlib.suppress(asyncio.CancelledError):
                await future


class BaseConsumer(AsyncWebsocketConsumer):
    """JSON frames, error frames for bad input, ``websocket_event``, and a clean end.

    A client frame ``{"type": "<name>", ...}`` is answered by ``handle_<name>(frame)``: a new
    frame type is a new method.
    """

    channel_name = ""  # until the channel layer has given one (logging may need it before)
    heartbeat_seconds: float = HEARTBEAT_SECONDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.channel_groups_joined: list[str] = []
        self.heartbeat: asyncio.Task[None] | None = None  # only while a beat runs
        self.heartbeat_timer: asyncio.TimerHandle | None = None  # until the next beat
        self.accepted = False
        self.closed = False  # a close was sent or received: nothing more goes to the client
        self.announced = False  # "connect" was announced, so "disconnect" must be
        self.cleanup: asyncio.Future[None] | None = None
        # For the layer's fan-out (receive_now): messages being dispatched, and channel-layer
        # messages queued for dispatch or being dispatched, which a new one must not overtake.
        self.dispatching = 0
        self.queued = 0
        self.write_text_now: Callable[[bytes], bool] | None = None

    async def __call__(self, scope: dict[str, Any], receive, send: ASGISend) -> None:
        """Run the consumer; an exception ends the connection cleanly instead of killing it."""
        guarded = self.guard_send(send)
        # Channels sets base_send only after new_channel(), which the pub/sub layer sends to
        # Redis: if that fails, the error frame and close code still need a way out.
        self.base_send = guarded
        try:
            await self.run(scope, receive)
        except Exception as exc:
            await self.fail(exc)
        finally:
            await self.clean_up(ABNORMAL)  # done already, unless the task was cancelled

    async def run(self, scope: dict[str, Any], receive) -> None:
        """``AsyncConsumer.__call__``, dispatching with ``dispatch_in_turn``."""
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        sources = [receive]
        if self.channel_layer is not None:
            self.channel_name = await self.channel_layer.new_channel()
            self.channel_receive = functools.partial(self.channel_layer.receive, self.channel_name)
            sources.append(self.channel_receive)
            writer = scope.get("extensions", {}).get(channel_layer.FRAME_WRITER)
            # Before any group is joined, so every message of the channel is counted.
            if writer is not None and channel_layer.receive_now(
                self.channel_layer, self.channel_name, self.receive_now
            ):
                self.write_text_now = writer["protocol"].write_text_now
        with contextlib.suppress(StopConsumer):
            await dispatch_in_turn(sources, self.dispatch)

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
        """Channel groups to join for this user and URL, or None to refuse the handshake."""
        raise NotImplementedError

    async def after_accept(self) -> None:
        """Send what the client should see before live messages (backlog, snapshot)."""

    async def on_heartbeat(self) -> None:
        """Send what the client should hear now and then (the order feeds send their head)."""

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Channels' dispatch without its ``aclose_old_connections()`` before every message.

        That call is a hop to Channels' one database thread per message and socket: a push to
        500 sockets queued 500 hops there (a third of a process's time in the bench). Every
        database call of these consumers goes through ``database_sync_to_async``, which
        closes old connections in that thread itself, before and after.
        """
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        self.dispatching += 1
        try:
            await handler(message)
        finally:
            self.dispatching -= 1
            if self.queued and not message["type"].startswith("websocket."):
                self.queued -= 1

    def receive_now(self, message: dict[str, Any], texts: dict[Any, bytes]) -> bool:
        """A channel-layer message offered by the layer's fan-out loop: True if dealt with.

        Synchronous, run for every member of a group in one loop (``shop.api.channel_layer``),
        so it must not wait. It takes the message only while the consumer is idle: nothing
        being dispatched (a handshake, a replay, a client frame) and no earlier channel message
        still queued, so a socket's messages keep their order. Otherwise, or when the socket's
        buffer is full (``write_text_now`` refuses), it is counted and queued for ``dispatch``,
        which waits for the buffer to drain as before. Once the socket is closed nothing more
        is sent to it, and the message is dropped.
        """
        if self.closed:
            return True
        if not (self.dispatching or self.queued or self.cleanup is not None) and self.accepted:
            try:
                if self.handle_now(message, texts):
                    return True
            except Exception:
                logger.exception("%s on %s: handle_now failed", self, self.channel_name)
        self.queued += 1
        return False

    def handle_now(self, message: dict[str, Any], texts: dict[Any, bytes]) -> bool:
        """Handle a channel-layer message without awaiting, or False to leave it to dispatch.

        ``texts`` is shared by the members of one fan-out: a text built for one (keyed by what
        it depends on) is reused by the others.
        """
        return False

    def send_now(self, text: bytes) -> bool:
        """Write a text frame at once if the socket can take it (never waits)."""
        return self.write_text_now is not None and self.write_text_now(text)

    async def connect(self) -> None:
        self.user = self.scope["user"]
        groups = await self.subscribe() if self.user.is_authenticated else None
        if groups is None:
            await self.close(code=REFUSED)
            return
        # Join before reading any backlog, so nothing committed in between is missed.
        for group in groups:
            self.channel_groups_joined.append(group)  # first: a join cut short is still left
            await channel_layer.join(self.channel_layer, group, self.channel_name)
        await self.accept()
        self.announced = True
        await self.announce("connect", self.subscription_data())
        self.arm_heartbeat()
        await self.after_accept()

    def arm_heartbeat(self) -> None:
        """Beat once ``heartbeat_seconds`` from now, unless the socket is ending by then.

        A timer, not a task sleeping in a loop: an idle socket holds a timer handle instead of
        a task and its coroutine (about a kilobyte each of 10,000 sockets, bench/README.md).
        """
        if self.cleanup is None:
            loop = asyncio.get_running_loop()
            self.heartbeat_timer = loop.call_later(self.heartbeat_seconds, self.start_beat)

    def start_beat(self) -> None:
        self.heartbeat_timer = None
        self.heartbeat = asyncio.ensure_future(self.beat())

    async def beat(self) -> None:
        """Say the subscription is alive, and end it once its user is no longer signed in.

        It runs as its own task, so its exceptions end the connection here.
        """
        try:
            if not await still_signed_in(self.scope):
                await self.end(REFUSED, "You are no longer signed in.")
                return
            await self.announce("heartbeat", {})
            await self.on_heartbeat()
        except Exception as exc:
            await self.fail(exc)
            return
        self.arm_heartbeat()

    async def disconnect(self, code: int) -> None:
        self.closed = True
        await self.clean_up(code)

    async def fail(self, exc: Exception) -> None:
        """Log an unexpected exception, then end with 1013 (layer unreachable) or 1011."""
        if isinstance(exc, channel_layer.UNAVAILABLE):
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
        if self.channel_layer is not None:
            channel_layer.stop_receiving_now(self.channel_layer, self.channel_name)
        if self.heartbeat_timer is not None:
            self.heartbeat_timer.cancel()
        if self.heartbeat is not None:
            self.heartbeat.cancel()
        for group in self.channel_groups_joined:
            try:
                await channel_layer.leave(self.channel_layer, group, self.channel_name)
            except Exception:
                # Core layer: a member until group_expiry, pushes to it dropped meanwhile.
                # Pub/sub layer: the process may stay subscribed to the group until it exits.
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
        """Send ``websocket_event``; Django logs a receiver that raises, and the socket goes on."""
        await websocket_event.asend_robust(
            sender=type(self),
            event=event,
            data=data,
            user=self.user,
            path=self.scope["path"],
            channel_name=self.channel_name,
        )


class UnknownPathConsumer(AsyncWebsocketConsumer):
    """Any other ``ws/`` path: refused at the handshake rather than an error in the router."""

    async def connect(self) -> None:
        await self.close(code=NOT_FOUND)
