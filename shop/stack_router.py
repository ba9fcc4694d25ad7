"""The local stack's front door (``make stack``): ``/ws/`` to uvicorn, the rest to gunicorn.

In production the reverse proxy splits the traffic (docs/operations.md, the nginx example).
The pages open their websockets on the page's own host and port, so the local stack needs
the same split, without asking for nginx. It routes each connection whole, by the path of
its first request: a browser opens a connection of its own for every websocket. It is for
the local stack only: no TLS, no forwarded headers, no limits.

    python -m shop.stack_router --listen 127.0.0.1:8000 --http 127.0.0.1:8002 \\
        --websocket 127.0.0.1:8001
"""

import argparse
import asyncio
import contextlib

WEBSOCKET_PREFIX = b"/ws/"
MAX_HEAD_BYTES = 64 * 1024
CHUNK_BYTES = 64 * 1024
BAD_GATEWAY = b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


def address(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    return host or "127.0.0.1", int(port)


async def serve(
    listen: tuple[str, int], *, http: tuple[str, int], websocket: tuple[str, int]
) -> asyncio.Server:
    async def route(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, OSError):
            writer.close()
            return
        parts = head.split(b" ", 2)
        path = parts[1] if len(parts) > 1 else b""
        target = websocket if path.startswith(WEBSOCKET_PREFIX) else http
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*target)
        except OSError:
            writer.write(BAD_GATEWAY)
            writer.close()
            return
        upstream_writer.write(head)
        await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))
        for end in (writer, upstream_writer):
            end.close()

    return await asyncio.start_server(route, *listen, limit=MAX_HEAD_BYTES)


async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Copy one direction until its end, then half-close, so the other direction finishes."""
    with contextlib.suppress(OSError):
        while data := await reader.read(CHUNK_BYTES):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", type=address, default="127.0.0.1:8000")
    parser.add_argument("--http", type=address, required=True, help="gunicorn's host:port")
    parser.add_argument("--websocket", type=address, required=True, help="uvicorn's host:port")
    args = parser.parse_args()
    server = await serve(args.listen, http=args.http, websocket=args.websocket)
    host, port = args.listen
    print(f"http://{host}:{port}/: /ws/ to uvicorn, the rest to gunicorn", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(main())
