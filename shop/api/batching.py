"""Coalesce the database work of many websockets into one call, per event loop.

Channels' ``database_sync_to_async`` runs every call of a process in one thread, one after
another, and with ``CONN_MAX_AGE=0`` each call opens its own database connection. Thousands
of sockets connecting, closing or checking their user at once would queue thousands of calls
on that thread. A ``Batcher`` collects the items submitted within ``delay`` seconds (and while
its previous call runs) and hands them to one call of ``apply``: one thread hop, one
connection, a few statements, whatever the number of sockets.

That one thread keeps its connection between batches: under ASGI ``CONN_MAX_AGE`` is 0
(``shop/asgi.py``: each HTTP request's sync code runs in a thread of its own), which made each
batch open a PostgreSQL connection, the largest cost of a websocket handshake (bench/README.md).
One thread of each process is one connection, bounded; Django still closes it when it breaks.
"""

import asyncio
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from channels.db import database_sync_to_async
from django.db import connections

Item = TypeVar("Item")
Result = TypeVar("Result")


@dataclass
class _Pending(Generic[Item]):
    items: list[tuple[Item, asyncio.Future]] = field(default_factory=list)
    running: asyncio.Task[None] | None = None


class Batcher(Generic[Item, Result]):
    """``await batcher.submit(item)`` returns ``apply(items)[i]`` for the batch it joined.

    ``apply`` is sync, takes the items in submission order and returns one result per item;
    it runs through ``database_sync_to_async``. An exception it raises is raised to every
    caller of that batch. A caller cancelled while waiting does not take its item out: what
    it asked for (a watcher row deleted, say) is still done.
    """

    def __init__(
        self,
        apply: Callable[[Sequence[Item]], Sequence[Result]],
        *,
        delay: float,
        max_items: int = 500,
    ) -> None:
        self.apply = apply
        self.delay = delay
        self.max_items = max_items  # per call: keeps IN (...) lists under SQLite's limit
        # One queue per event loop: futures and tasks belong to one loop, and tests run many.
        self._pending: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Pending[Item]] = (
            weakref.WeakKeyDictionary()
        )

    async def submit(self, item: Item) -> Result:
        loop = asyncio.get_running_loop()
        pending = self._pending.get(loop)
        if pending is None:  # not setdefault: it would build a _Pending for every call
            pending = self._pending[loop] = _Pending()
        future: asyncio.Future[Result] = loop.create_future()
        pending.items.append((item, future))
        if pending.running is None:
            pending.running = loop.create_task(self._run(pending))
        return await future

    def _apply_keeping_connection(self, items: Sequence[Item]) -> Sequence[Result]:
        """``apply`` in the database thread; its connections stay open for the next batch.

        ``close_at`` None is what ``CONN_MAX_AGE=None`` gives a connection: the closing of old
        connections around every ``database_sync_to_async`` call then only closes it when it
        is unusable after an error (a database restart), and the next call opens a new one.
        Not for SQLite: opening one costs nothing, and a kept connection to the tests'
        shared-cache in-memory database can hold a table lock that another connection's write
        then meets ("database table is locked").
        """
        try:
            return self.apply(items)
        finally:
            for connection in connections.all(initialized_only=True):
                if connection.vendor != "sqlite":
                    connection.close_at = None

    async def _run(self, pending: _Pending[Item]) -> None:
        try:
            await asyncio.sleep(self.delay)
            while pending.items:
                batch = pending.items[: self.max_items]
                del pending.items[: self.max_items]
                try:
                    results = await database_sync_to_async(self._apply_keeping_connection)(
                        [i for i, _ in batch]
                    )
                except Exception as exc:
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for (_, future), result in zip(batch, results, strict=True):
                    if not future.done():
                        future.set_result(result)
        finally:
            pending.running = None
