"""A real HTTP receiver on a local socket for the webhook tests, built on
``examples/webhook_receiver.py``: every request is verified with
``standardwebhooks.Webhook(secret).verify``, recorded, then answered as the test scripted."""

import contextlib
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from examples.webhook_receiver import WebhookHandler, WebhookServer


@dataclass(frozen=True)
class Answer:
    """How to answer one request: after ``delay`` seconds, ``status`` with ``body``, or with
    ``body_size`` bytes of body (sent in 64 KiB chunks), or with headers trickled over
    ``trickle`` seconds; ``location`` makes it a redirect."""

    status: int = 200
    delay: float = 0
    body_size: int | None = None
    trickle: float = 0
    location: str = ""
    body: bytes = b"ok"


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes
    verified: bool  # whether the signature checked out (the example's answer was not a 400)
    answer: str  # what the example receiver said


@dataclass
class ScriptedReceiver:
    server: WebhookServer
    answers: list[Answer] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)  # new events the example handed on
    scheme: str = "http"

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}/hooks/"

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def secret(self) -> str:
        return self.server.secret

    @secret.setter
    def secret(self, value: str) -> None:
        self.server.secret = value

    def next_answer(self) -> Answer:
        return self.answers.pop(0) if self.answers else Answer()


class ScriptedServer(WebhookServer):
    """The example's server, holding the script its handler follows."""

    receiver: ScriptedReceiver


class ScriptedHandler(WebhookHandler):
    def do_POST(self) -> None:
        # Only ``running_receiver`` serves this handler, always from a ScriptedServer.
        receiver = cast(ScriptedServer, self.server).receiver
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status, text = self.receive(body)
        receiver.received.append(
            Received(dict(self.headers), body, verified=status != 400, answer=text)
        )
        answer = receiver.next_answer()
        time.sleep(answer.delay)
        if status != 200:
            self.reply(status, text)
        elif answer.trickle:
            self._trickle(answer)
        elif answer.body_size is not None:
            self._big(answer.status, answer.body_size)
        else:
            with contextlib.suppress(OSError):  # the sender gave up on a slow answer
                self.send_response(answer.status)
                if answer.location:
                    self.send_header("Location", answer.location)
                self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                self.wfile.write(answer.body)

    def _big(self, status: int, size: int) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(size))
        self.end_headers()
        chunk = b"x" * 65536
        sent = 0
        try:
            while sent < size:
                self.wfile.write(chunk[: size - sent])
                sent += len(chunk)
        except OSError:
            return  # the sender stopped reading, as it should

    def _trickle(self, answer: Answer) -> None:
        """A status line, then one header byte at a time: slow but never silent."""
        try:
            self.wfile.write(f"HTTP/1.1 {answer.status} OK\r\n".encode())
            deadline = time.monotonic() + answer.trickle
            while time.monotonic() < deadline:
                self.wfile.write(b"X")
                self.wfile.flush()
                time.sleep(0.2)
        except OSError:
            return  # the sender gave up


@contextmanager
def running_receiver(*, certificate: Path | None = None) -> Iterator[ScriptedReceiver]:
    """A receiver on a free port; set ``.secret`` to the endpoint's, script ``.answers``.
    With ``certificate`` (a PEM file holding the key and the certificate) it speaks TLS."""
    receiver = ScriptedReceiver(server=None)  # type: ignore[arg-type]
    server = ScriptedServer(("127.0.0.1", 0), "whsec_unset", receiver.events.append)
    server.RequestHandlerClass = ScriptedHandler
    server.receiver = receiver
    receiver.server = server
    if certificate is not None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(certificate)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        receiver.scheme = "https"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
