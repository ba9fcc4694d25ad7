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
"""

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.extensions.permessage_deflate import ServerPerMessageDeflateFactory
from websockets.server import ServerProtocol

WINDOW_BITS = 9  # each way: our compressor's window, and the one we ask the client to use
MEM_LEVEL = 1


class WebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's default (websockets sansio) protocol: deflate with no state between messages."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        extensions = []
        if self.config.ws_per_message_deflate:
            extensions = [
                ServerPerMessageDeflateFactory(
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
