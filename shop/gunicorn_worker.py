"""gunicorn's threaded worker, refusing with 503 a request that waited too long for a thread.

Past its capacity a server's queue only grows: every request waits longer, clients time out,
and the server goes on working through requests nobody waits for. This worker measures how
long each request waited in its process for a free thread; one that waited more than
``WEB_QUEUE_TIMEOUT`` seconds (``shop/gunicorn_conf.py``) is answered at once with 503 and
``Retry-After``, without running Django. So the excess load gets a cheap, explicit refusal
and the requests the server does take keep their latency.
"""

import json
import time
from datetime import timedelta

from gunicorn.http import wsgi
from gunicorn.workers.gthread import ThreadWorker

REFUSAL = json.dumps(
    {"detail": "The server is overloaded; retry after Retry-After seconds.", "code": "overloaded"}
).encode()


class SheddingThreadWorker(ThreadWorker):
    """``gthread`` plus a deadline for the wait between a request's arrival and its thread."""

    queue_timeout: float = 1.0  # set from the config by shop/gunicorn_conf.post_worker_init
    retry_after: int = 1

    def enqueue_req(self, conn) -> None:
        conn.queued_at = time.monotonic()  # a keep-alive request is queued again here
        super().enqueue_req(conn)

    def handle_request(self, req, conn) -> bool:
        if time.monotonic() - conn.queued_at <= self.queue_timeout:
            return super().handle_request(req, conn)
        return self.refuse(req, conn)

    def refuse(self, req, conn) -> bool:
        """Answer 503 with ``Retry-After``; keep the connection (its body is drained next)."""
        resp, environ = wsgi.create(req, conn.sock, conn.client, conn.server, self.cfg)
        resp.start_response(
            "503 Service Unavailable",
            [
                ("Content-Type", "application/json"),
                ("Content-Length", str(len(REFUSAL))),
                ("Retry-After", str(self.retry_after)),
            ],
        )
        resp.write(REFUSAL)
        resp.close()
        self.log.access(resp, req, environ, timedelta(0))
        return not resp.should_close()
