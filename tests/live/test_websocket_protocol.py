"""The production websocket protocol (``shop.websocket_protocol``) on a real uvicorn process.

It negotiates permessage-deflate with no context takeover either way and 9-bit windows, so
an idle socket holds no zlib state; compressed frames still flow both ways.
"""

import asyncio
import json

import pytest
from asgiref.sync import async_to_sync
from rest_framework.authtoken.models import Token
from websockets.asyncio.client import connect

from tests.factories import StaffFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

NEGOTIATED = (
    "permessage-deflate; server_no_context_takeover; client_no_context_takeover;"
    " server_max_window_bits=9; client_max_window_bits=9"
)


def test_deflate_is_negotiated_without_context_takeover_and_frames_flow(asgi_server):
    server = asgi_server()
    token = Token.objects.create(user=StaffFactory.create()).key

    async def scenario() -> tuple[str, list[dict]]:
        async with connect(
            f"{server.ws}/ws/orders/", additional_headers={"Authorization": f"Token {token}"}
        ) as socket:
            answers = []
            for _ in range(3):  # each message gets a fresh compressor and decompressor
                await socket.send(json.dumps({"type": "ping", "padding": "x" * 500}))
                answers.append(json.loads(await asyncio.wait_for(socket.recv(), 10)))
            assert socket.response is not None, "the handshake is done"
            return socket.response.headers["Sec-WebSocket-Extensions"], answers

    extensions, answers = async_to_sync(scenario)()

    assert extensions == NEGOTIATED
    assert answers == [{"type": "pong"}] * 3
