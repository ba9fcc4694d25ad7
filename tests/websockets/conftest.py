"""Fixtures of the websocket tests, which connect to the real ASGI application in-process."""

from collections.abc import AsyncIterator

import pytest_asyncio
from channels.db import database_sync_to_async
from django.db import connections


@pytest_asyncio.fixture
async def async_db_closed() -> AsyncIterator[None]:
    """For async tests: close the connection their ORM calls opened in asgiref's worker thread.

    Django's async ORM never closes it, and an open one stops the test database from being
    dropped. The websocket batches keep theirs open on purpose (``shop.api.batching``).
    """
    yield
    await database_sync_to_async(connections.close_all)()
