"""Periodic re-dispatch of order events that were committed but never fully dispatched."""

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from orders.dispatch import dispatch_event
from orders.models import OrderEvent

logger = logging.getLogger(__name__)


@shared_task
def redispatch_pending_events(*, older_than_seconds: float | None = None, limit: int = 500) -> int:
    """Dispatch pending events again; return how many now succeeded.

    Events younger than ``older_than_seconds`` (default OUTBOX_STALE_AFTER) are left to their
    on-commit dispatch, which is normally still running. Receivers are idempotent, so a double
    dispatch is harmless. An event whose dispatch raises is logged and left pending; the others
    in the batch still go.
    """
    if older_than_seconds is None:
        older_than_seconds = settings.OUTBOX_STALE_AFTER
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    pending = (
        OrderEvent.objects.filter(dispatched_at__isnull=True, created_at__lte=cutoff)
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )
    dispatched = 0
    for event_id in list(pending):
        try:
            dispatched += dispatch_event(event_id=event_id)
        except Exception:
            logger.exception("Re-dispatch of order event %s failed; it stays pending", event_id)
    return dispatched
