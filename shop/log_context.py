"""The request id on every log line of a request (``shop.middleware.RequestIdMiddleware``).

The middleware puts the id in a context variable as the request starts; the logging filter
copies it onto each record, so any logger (the apps', Django's, a library's) carries it
without being passed the request. A context variable, not a thread-local: under ASGI every
request is a task with a context of its own, and asgiref copies it into the thread that runs
a sync view and back. Under gunicorn each thread's next request sets it afresh. A line
logged outside any request (a Celery task, start-up) has ``-``.
"""

import logging
from contextvars import ContextVar

NO_REQUEST = "-"

request_id: ContextVar[str] = ContextVar("request_id", default=NO_REQUEST)


class RequestIdFilter(logging.Filter):
    """Set ``record.request_id`` for the formatters, unless the record was given one."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id.get()
        return True
