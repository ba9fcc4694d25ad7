"""The tasks enqueued during one dispatch go to the broker together, in one round trip.

A ship's receivers live in three apps and each enqueues a task; published one by one, that is
three Redis round trips, three Redis clients built and three publishes' worth of CPU in the
request. ``OneRoundTrip`` (around the dispatch, in ``orders.dispatch``) gives every
``enqueue`` inside it one producer in a kombu publish batch: one pipeline, sent when the block
ends. Outside a block, inside a transaction or with eager tasks, ``enqueue`` is the task's
``delay_on_commit``, as before.

A batch that fails to send is reported to the caller (``error``), which keeps the event
pending, and the re-dispatch enqueues again (the tasks are idempotent). A batch that cannot be
opened (the broker down) is logged and the block runs unbatched: each enqueue fails on its own.
"""

import logging
from contextlib import ExitStack
from contextvars import ContextVar, Token
from types import TracebackType

from celery import Task, current_app
from django.db import connection
from kombu import Producer

logger = logging.getLogger(__name__)

_producer: ContextVar[Producer | None] = ContextVar("delivery_batch_producer", default=None)


class OneRoundTrip:
    """Batch the enqueues of this block into one broker round trip (see the module doc).

    An error of the block propagates (the batch is discarded); an error sending the batch at
    the end does not: it is kept in ``error``, for the caller to decide.
    """

    def __init__(self) -> None:
        self.error: Exception | None = None
        self._stack = ExitStack()
        self._token: Token[Producer | None] | None = None

    def __enter__(self) -> "OneRoundTrip":
        app = current_app
        if app.conf.task_always_eager or connection.in_atomic_block or _producer.get():
            return self
        try:
            producer = self._stack.enter_context(app.producer_or_acquire())
            self._stack.enter_context(producer.batch())
        except Exception as exc:  # kombu's and redis-py's connection errors
            logger.warning("Publish batch not opened, enqueueing one by one: %r", exc)
            self._stack.close()
            return self
        self._token = _producer.set(producer)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._token is not None:
            _producer.reset(self._token)
        if exc_type is not None:
            self._stack.__exit__(exc_type, exc, traceback)  # discards the batch
            return
        try:
            self._stack.close()  # sends the batch
        except Exception as error:  # kombu.exceptions.BatchPublishError, redis-py's errors
            self.error = error


def enqueue(task: Task, *args: object) -> None:
    """Enqueue ``task`` with ``args``: in the current batch if any, else once committed."""
    producer = _producer.get()
    if producer is None:
        task.delay_on_commit(*args)
    else:
        task.apply_async(args, producer=producer)
