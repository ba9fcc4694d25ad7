"""Fixtures of the websocket tests, which connect to the real ASGI application in-process."""

from collections.abc import AsyncIterator

import pytest_asyncio
from channels.db import database_sync_to_async


@pytest_asyncio.fixture
async def async_db_closed() -> AsyncIterator[None]:
    """For async tests: close the connection their ORM calls opened in asgiref's worker thread.

    Django's async ORM never closes it, and an open one stops the test database from being
    dropped. ``database_sync_to_async`` closes old connections in that same thread.
    """
    yield
    await database_sync_to_async(lambda: None)()
