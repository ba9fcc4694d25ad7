"""A minimal webhook receiver: verify each delivery, skip duplicates, answer at once.

    WEBHOOK_SECRET=whsec_... python examples/webhook_receiver.py [port]

It needs only the ``standardwebhooks`` package (``pip install standardwebhooks``). Register
``http://127.0.0.1:8001/`` as an endpoint (plain http and loopback are allowed with
``WEBHOOKS_ALLOW_PRIVATE_URLS=1``, the default with ``DJANGO_DEBUG=1``), and paste the
secret the API answered with. ``tests/webhooks`` run this receiver for every delivery.
"""

import json
import os
import sys
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

MAX_BODY = 1024 * 1024  # a delivery is a few KiB; refuse to buffer more


class WebhookServer(ThreadingHTTPServer):
    """Holds the secret, the ids already handled, and what to do with a new event."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, address, secret: str, on_event: Callable[[dict], None]) -> None:
        super().__init__(address, WebhookHandler)
        self.secret = secret
        self.on_event = on_event
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def first_time(self, webhook_id: str) -> bool:
        """Retries repeat the ``webhook-id``: handle each id once. Keep these in a database
        (a unique column) in a real receiver, so a restart forgets none."""
        with self._lock:
            if webhook_id in self._seen:
                return False
            self._seen.add(webhook_id)
            return True


class WebhookHandler(BaseHTTPRequestHandler):
    server: WebhookServer

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.reply(413, "too large")
            return
        self.reply(*self.receive(self.rfile.read(length)))

    def receive(self, body: bytes) -> tuple[int, str]:
        """Verify the delivery and hand a new event on; return the answer to give."""
        try:
            # Checks the signature (any of the v1 ones) and that the timestamp is recent.
            event = Webhook(self.server.secret).verify(body, dict(self.headers))
        except WebhookVerificationError as exc:
            return 400, f"invalid signature: {exc}"
        if self.server.first_time(self.headers["webhook-id"]):
            # Answer fast: a real receiver queues the event here and works on it later.
            self.server.on_event(event)
        return 200, "ok"

    def reply(self, status: int, text: str) -> None:
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args) -> None:  # quiet: print events, not requests
        pass


def print_event(event: dict) -> None:
    order = event["data"].get("order", {})
    print(event["type"], order.get("number", ""), json.dumps(event["data"])[:200], flush=True)


def main() -> None:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 8001
    server = WebhookServer(("127.0.0.1", port), os.environ["WEBHOOK_SECRET"], print_event)
    print(f"listening on http://127.0.0.1:{port}/", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
