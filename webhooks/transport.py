"""One webhook POST over the standard library's ``http.client``, hardened for untrusted URLs.

- It dials the address ``webhooks.ssrf`` checked, never the host name again, so DNS cannot
  point it elsewhere between the check and the connection; TLS still verifies the certificate
  for the host name (SNI and hostname check).
- Redirects are answers like any other (a 3xx is a failure): ``http.client`` never follows.
- Connect and each read time out, and the whole exchange has a deadline: a receiver that
  trickles bytes is cut off at ``WEBHOOKS_TIMEOUT`` like one that never answers.
- At most ``EXCERPT_BYTES`` of the body are read: a 2xx is a success whatever follows, even
  a body that never ends.
"""

import contextlib
import http.client
import socket
import ssl
import threading
import time
from dataclasses import dataclass

from webhooks.ssrf import Target

USER_AGENT = "shop-webhooks/1.0"
EXCERPT_BYTES = 4096


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    duration_ms: int
    error: str
    excerpt: bytes


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to ``address`` while the Host header names the URL's host."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    def connect(self) -> None:
        super().connect()
        context = ssl.create_default_context()
        self.sock = context.wrap_socket(self.sock, server_hostname=self.host)


def post(target: Target, *, body: bytes, headers: dict[str, str], timeout: float) -> Outcome:
    """POST ``body``; never raises for what the receiver or the network does."""
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    connection = connection_class(target.host, target.port, address=target.address, timeout=timeout)
    started = time.monotonic()
    deadline = _Deadline(connection, timeout)
    status_code = None
    excerpt = b""
    try:
        connection.request(
            "POST",
            target.path,
            body=body,
            headers={
                **headers,
                "Content-Type": "application/json",
                "User-Agent": USER_AGENT,
            },
        )
        response = connection.getresponse()
        if deadline.expired.is_set():  # what came was cut short: not an answer
            raise TimeoutError
        status_code = response.status
        error = "" if 200 <= status_code < 300 else f"HTTP {status_code}"
        excerpt = _excerpt(response)
    except (OSError, http.client.HTTPException) as exc:
        timed_out = isinstance(exc, TimeoutError) or deadline.expired.is_set()
        error = f"Timed out after {timeout:g} s" if timed_out else _describe(exc)
    finally:
        deadline.cancel()
        connection.close()
    return Outcome(status_code, round((time.monotonic() - started) * 1000), error, excerpt)


def _excerpt(response: http.client.HTTPResponse) -> bytes:
    """The body's first bytes; the answer came already, so a body cut short changes nothing."""
    try:
        return response.read(EXCERPT_BYTES)
    except (OSError, http.client.HTTPException):
        return b""


class _Deadline:
    """At ``timeout`` seconds the socket is shut down, which ends any read still waiting."""

    def __init__(self, connection: http.client.HTTPConnection, timeout: float) -> None:
        self.expired = threading.Event()
        self._connection = connection
        self._timer = threading.Timer(timeout, self._cut)
        self._timer.start()

    def _cut(self) -> None:
        self.expired.set()
        if self._connection.sock is not None:
            with contextlib.suppress(OSError):  # closed already
                self._connection.sock.shutdown(socket.SHUT_RDWR)

    def cancel(self) -> None:
        self._timer.cancel()


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:500]
