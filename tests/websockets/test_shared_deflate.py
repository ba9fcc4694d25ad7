"""One compressed frame per distinct message and process (``shop.websocket_protocol``).

Without context takeover a message's compressed bytes depend only on the message and the
settings, so sockets sent the same push can share them; each must still decompress to it.
"""

import zlib

from websockets.frames import Frame, Opcode

from shop import websocket_protocol
from shop.websocket_protocol import (
    MEM_LEVEL,
    SHARED_MESSAGES,
    WINDOW_BITS,
    SharedDeflate,
    SharedDeflateFactory,
)


def negotiated() -> SharedDeflate:
    factory = SharedDeflateFactory(
        server_no_context_takeover=True,
        client_no_context_takeover=True,
        server_max_window_bits=WINDOW_BITS,
        client_max_window_bits=WINDOW_BITS,
        compress_settings={"memLevel": MEM_LEVEL},
    )
    _, deflate = factory.process_request_params([("client_max_window_bits", None)], [])
    return deflate


def inflate(data: bytes) -> bytes:
    return zlib.decompressobj(wbits=-WINDOW_BITS).decompress(data + b"\x00\x00\xff\xff")


def test_sockets_sent_the_same_message_share_its_compressed_bytes():
    message = b'{"type": "order.shipped", "order_id": 7, "position": 12, "previous": 11}'
    first, second = negotiated(), negotiated()

    one = first.encode(Frame(Opcode.TEXT, message))
    other = second.encode(Frame(Opcode.TEXT, message))
    different = second.encode(Frame(Opcode.TEXT, message.replace(b"12", b"13")))

    assert one.rsv1
    assert other.rsv1
    assert one.data is other.data  # compressed once
    assert inflate(one.data) == message
    assert inflate(different.data) == message.replace(b"12", b"13")


def test_the_shared_bytes_are_bounded():
    deflate = negotiated()
    for number in range(SHARED_MESSAGES * 3):
        deflate.encode(Frame(Opcode.TEXT, b'{"n": %d}' % number))

    assert len(websocket_protocol._compressed) == SHARED_MESSAGES


def test_control_and_fragmented_frames_are_not_shared():
    deflate = negotiated()
    before = len(websocket_protocol._compressed)

    ping = deflate.encode(Frame(Opcode.PING, b"ping"))
    part = deflate.encode(Frame(Opcode.TEXT, b'{"type": ', fin=False))
    deflate.encode(Frame(Opcode.CONT, b'"pong"}', fin=True))

    assert ping.data == b"ping"
    assert not ping.rsv1
    assert part.rsv1
    assert len(websocket_protocol._compressed) <= before
