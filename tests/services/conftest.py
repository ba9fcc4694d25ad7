"""Fixtures of the service, receiver and signal tests."""

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import timedelta

import pytest
from django.utils import timezone

from orders.services import record_tracking_event
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


@pytest.fixture
def track(django_capture_on_commit_callbacks) -> Callable[..., tuple]:
    """``track(shipment, status, minutes_ago=0, event_id=None)``: record a tracking event
    through ``record_tracking_event`` and run its on-commit dispatch, as a request's commit
    would. Returns what the service returns."""
    counter = iter(range(1, 10_000))

    def track_(shipment, status: str, *, minutes_ago: float = 0, event_id: str | None = None):
        with django_capture_on_commit_callbacks(execute=True):
            return record_tracking_event(
                shipment_id=shipment.pk,
                event_id=event_id or f"test-{next(counter)}",
                status=status,
                occurred_at=timezone.now() - timedelta(minutes=minutes_ago),
            )

    return track_
