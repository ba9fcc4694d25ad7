"""Connect to the real ASGI application (origin check, auth, router) with Channels' communicator."""

import json
from typing import Any

from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from shop.asgi import application
from tests.factories import DEFAULT_PASSWORD

BROWSER_ORIGIN = b"http://localhost:8000"


def session_cookie(user) -> bytes:
    """A real session cookie for ``user``, as a browser that logged in would send it."""
    client = Client()
    assert client.login(username=user.username, password=DEFAULT_PASSWORD)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode()


def communicator(
    path: str,
    *,
    cookie: bytes | None = None,
    token: str | None = None,
    origin: bytes | None = BROWSER_ORIGIN,
) -> WebsocketCommunicator:
    headers = []
    if origin is not None:
        headers.append((b"origin", origin))
    if cookie is not None:
        headers.append((b"cookie", cookie))
    if token is not None:
        headers.append((b"authorization", f"Token {token}".encode()))
    return WebsocketCommunicator(application, path, headers=headers)


async def receive(comm: WebsocketCommunicator, timeout: float = 2) -> dict[str, Any]:
    return json.loads(await comm.receive_from(timeout=timeout))


async def send(comm: WebsocketCommunicator, frame: Any) -> None:
    await comm.send_to(text_data=frame if isinstance(frame, str) else json.dumps(frame))


async def open_socket(path: str, token: str) -> WebsocketCommunicator:
    """A connected token client (no Origin, as a non-browser client)."""
    comm = communicator(path, token=token, origin=None)
    connected, _ = await comm.connect()
    assert connected
    return comm
