"""``make stack``'s router sends each connection by its first request's path: ``/ws/`` to the
websocket server, the rest to the HTTP server, both ways, until either side closes."""

import asyncio

import pytest

from shop.stack_router import serve


async def backend(name: bytes) -> asyncio.Server:
    """Answers the first request with its own name and the request line, then echoes."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        writer.write(name + b" " + head.split(b"\r\n")[0] + b"\n")
        while data := await reader.read(1024):
            writer.write(data)
        writer.close()

    return await asyncio.start_server(answer, "127.0.0.1", 0)


def port_of(server: asyncio.Server) -> tuple[str, int]:
    return server.sockets[0].getsockname()[:2]


async def exchange(router: asyncio.Server, request: bytes, then: bytes) -> bytes:
    reader, writer = await asyncio.open_connection(*port_of(router))
    writer.write(request)
    writer.write(then)
    writer.write_eof()
    answer = await asyncio.wait_for(reader.read(), 5)
    writer.close()
    return answer


@pytest.mark.asyncio
async def test_websockets_and_http_reach_their_own_server():
    http, websocket = await backend(b"gunicorn"), await backend(b"uvicorn")
    router = await serve(("127.0.0.1", 0), http=port_of(http), websocket=port_of(websocket))
    async with http, websocket, router:
        upgrade = b"GET /ws/orders/7/ HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n"
        page = b"GET /orders/7/track/ HTTP/1.1\r\nHost: x\r\n\r\n"

        assert await exchange(router, upgrade, b"frame") == (
            b"uvicorn GET /ws/orders/7/ HTTP/1.1\nframe"
        )
        assert await exchange(router, page, b"more") == (
            b"gunicorn GET /orders/7/track/ HTTP/1.1\nmore"
        )


@pytest.mark.asyncio
async def test_a_server_that_is_down_is_a_502():
    down = await backend(b"down")
    address = port_of(down)
    down.close()
    await down.wait_closed()
    router = await serve(("127.0.0.1", 0), http=address, websocket=address)
    async with router:
        answer = await exchange(router, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", b"")

    assert answer.startswith(b"HTTP/1.1 502 Bad Gateway\r\n")
