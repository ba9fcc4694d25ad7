"""Fixtures of the service, receiver and signal tests."""

from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest

from tests.support.wiring import ORDER_RECEIVERS, disconnected


@pytest.fixture
def only_receivers() -> Iterator[Callable[..., None]]:
    """Call with dispatch_uids to keep; every other receiver of the order signals is
    disconnected. Receivers are reconnected when the test ends, however it ends."""
    with ExitStack() as stack:

        def keep(*uids: str) -> None:
            stack.enter_context(
                disconnected(*(wire for wire in ORDER_RECEIVERS if wire.dispatch_uid not in uids))
            )

        yield keep
