"""uvicorn's websocket protocol with a smaller permessage-deflate state per connection.

Serve with ``uvicorn shop.asgi:application --ws shop.websocket_protocol:WebSocketProtocol``.

Browsers negotiate permessage-deflate, and its zlib state is most of an idle socket's memory.
uvicorn's own sansio protocol asks for 12-bit windows and ``memLevel`` 5: about 32 KiB of
compressor per connection (zlib: 2^(windowBits+2) + 2^(memLevel+9) bytes) plus a 4 KiB
decompression window. Our frames are small JSON objects (a few hundred bytes), compressed
one at a time, so a 512-byte window (9 bits, the smallest zlib's raw deflate takes) and
``memLevel`` 1 compress them nearly as well for about 3 KiB. The websockets documentation
("Compression") describes these settings; docs/websockets.md has the measurements.
"""

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.extensions.permessage_deflate import ServerPerMessageDeflateFactory
from websockets.server import ServerProtocol

WINDOW_BITS = 9  # each way: our compressor's window, and the one we ask the client to use
MEM_LEVEL = 1


class WebSocketProtocol(WebSocketsSansIOProtocol):
    """uvicorn's default (websockets sansio) protocol, with the small deflate settings."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        extensions = []
        if self.config.ws_per_message_deflate:
            extensions = [
                ServerPerMessageDeflateFactory(
                    server_max_window_bits=WINDOW_BITS,
                    client_max_window_bits=WINDOW_BITS,
                    compress_settings={"memLevel": MEM_LEVEL},
                )
            ]
        # Built before any byte arrives, so replacing it here is the whole change.
        self.conn = ServerProtocol(
            extensions=extensions, max_size=self.config.ws_max_size, logger=self.conn.logger
        )
