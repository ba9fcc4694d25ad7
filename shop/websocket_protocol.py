"""uvicorn's websocket protocol with a smaller permessage-deflate state per connection.

Serve with ``uvicorn shop.asgi:application --ws shop.websocket_protocol:WebSocketProtocol``.

Browsers negotiate permessage-deflate, and its zlib state was most of an idle socket's memory.
uvicorn's own sansio protocol asks for 12-bit windows and ``memLevel`` 5 with context
takeover: a compressor of about 32 KiB (zlib: 2^(windowBits+2) + 2^(memLevel+9) bytes, plus
its state) and a decompressor of about 11 KiB, held for the life of every connection.

Here neither side keeps its context between messages (``server_no_context_takeover`` and
``client_no_context_takeover``; a server may ask the latter of any client, RFC 7692 7.1.1.1).
websockets then builds a compressor or decompressor per message and drops it after the last
frame, so an idle socket holds none. Our frames are small JSON objects (a few hundred bytes)
that shared little context anyway; a 512-byte window (9 bits, the smallest zlib's raw deflate
takes) and ``memLevel`` 1 still compress each of them, and make the per-message set-up cheap
(about 10 KiB, allocated and freed). The websockets documentation ("Compression") describes
these settings; docs/websockets.md has the measurements.

Without context takeover a message's compressed bytes depend on nothing but its text and
those settings, so a push that sends the same text to every staff socket compresses it once
per process (``SharedDeflate``) instead of once per socket (bench/README.md).

For the same reason a whole frame can be built once and written to many sockets: the
protocol puts itself in the scope (``scope["extensions"][FRAME_WRITER]``), and the channel
layer's fan-out (``shop.api.channel_layer``) writes a push's pre-built frame to every idle
subscriber of the process in one loop, with no coroutine per socket (``write_text_now``).
"""

from collections import OrderedDict

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.extensions.permessage_deflate import (
    PerMessageDeflate,
    ServerPerMessageDeflateFactory,
)
from websockets.frames import CONT, CTRL_OPCODES, Frame, Opcode
from websockets.http11 import Request
from websockets.protocol import State
from websockets.server import ServerProtocol

from shop.api.channel_layer import FRAME_WRITER

WINDOW_BITS = 9  # each way: our compressor's window, and the one we ask the client to use
MEM_LEVEL = 1
SHARED_MESSAGES = 64  # recent messages whose compressed bytes a process keeps
SHARED_MAX_BYTES = 16384  # larger messages (a long backlog frame) are compressed each time
BUILT_FRAMES = 64  # recent (settings, message) -> whole frame on the wire

# (window bits, message) -> compressed payload, most recently used last.
_compressed: OrderedDict[tuple[int, bytes], bytes] = OrderedDict()
# (deflate's window bits or () for none, message) -> the frame's bytes, header included.
_frames: OrderedDict[tuple[tuple[int | None, ...], bytes], bytes] = OrderedDict()


class SharedDeflate(PerMessageDeflate):
    """permessage-deflate without context takeover, each distinct message compressed once.

    Only whole, unfragmented data frames are shared; anything else is compressed as usual.
    """

    def encode(self, frame: Frame) -> Frame:
        if (
            frame.opcode in CTRL_OPCODES
            or frame.opcode is CONT
            or not frame.fin
            or not self.local_no_context_takeover
            or len(frame.data) > SHARED_MAX_BYTES
        ):
            return super().encode(frame)
        key = (self.local_max_window_bits, bytes(frame.data))
        data = _compressed.get(key)
        if data is None:
            data = bytes(super().encode(frame).data)
            _compressed[key] = data
            if len(_compressed) > SHARED_MESSAGES:
                _compressed.popitem(last=False)
        else:
            _compressed.move_to_end(key)
        return Frame(frame.opcode, data, frame.fin, True, frame.rsv2, frame.rsv3)


class SharedDeflateFactory(ServerPerMessageDeflateFactory):
    """The server's permessage-deflate offer, answered with ``SharedDeflate``."""

    def process_request_params(self, params, accepted_extensions):
        response, deflate = super().process_request_params(params, accepted_extensions)
        shared = SharedDeflate(
            deflate.remote_no_context_takeover,
            deflate.local_no_context_takeover,
            deflate.remote_max_window_bits,
            deflate.local_max_window_bits,
            deflate.compress_settings,
        )
        return response, shared


class WebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's default (websockets sansio) protocol: deflate with no state between messages."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        extensions = []
        if self.config.ws_per_message_deflate:
            extensions = [
                SharedDeflateFactory(
                    server_no_context_takeover=True,
                    client_no_context_takeover=True,
                    server_max_window_bits=WINDOW_BITS,
                    client_max_window_bits=WINDOW_BITS,
                    compress_settings={"memLevel": MEM_LEVEL},
                )
            ]
        # Built before any byte arrives, so replacing it here is the whole change.
        self.conn = ServerProtocol(
            extensions=extensions, max_size=self.config.ws_max_size, logger=self.conn.logger
        )

    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        if self.response.status_code == 101:  # uvicorn built the scope and queued the app
            self.scope["extensions"][FRAME_WRITER] = {"protocol": self}

    def write_text_now(self, text: bytes) -> bool:
        """Write one text message now, as a frame built once per process; False if not now.

        What ``send()`` does for ``websocket.send``, minus the wait: False, with nothing
        written, when the socket is not open for messages, or when its transport is paused
        (its buffer is past the high-water mark: a client that does not read). The caller
        then sends it the ordinary way, which waits for the buffer to drain.
        """
        conn = self.conn
        if (
            self.close_sent
            or self.disconnected
            or not self.handshake_complete
            or self.initial_response is not None
            or not self.writable.is_set()
            or conn.state is not State.OPEN
            or conn.expect_continuation_frame
            or conn.writes
            or self.transport.is_closing()
            or len(text) > SHARED_MAX_BYTES
        ):
            return False
        key = _frame_key(conn)
        if key is None:
            return False
        frame = _frames.get((key, text))
        if frame is None:
            frame = Frame(Opcode.TEXT, text).serialize(mask=False, extensions=conn.extensions)
            _frames[key, text] = frame
            if len(_frames) > BUILT_FRAMES:
                _frames.popitem(last=False)
        else:
            _frames.move_to_end((key, text))
        self.transport.write(frame)
        return True


def _frame_key(conn: ServerProtocol) -> tuple[int | None, ...] | None:
    """What a frame's bytes depend on besides the text: () without deflate, else its window.

    None for any extension whose output depends on earlier messages (context takeover).
    """
    if not conn.extensions:
        return ()
    deflate = conn.extensions[0] if len(conn.extensions) == 1 else None
    if isinstance(deflate, SharedDeflate) and deflate.local_no_context_takeover:
        return (deflate.local_max_window_bits,)
    return None
