"""Warehouse notice delivery, and the sweep that re-queues notices whose task was lost.

Idempotent: a task for a sent, failed, acknowledged or claimed notice does nothing.
"""

from celery import shared_task

from delivery import attempts
from warehouse import services
from warehouse.models import WarehouseNotice


@shared_task(**attempts.task_options())
def send_warehouse_notice(self, event_id: int) -> None:
    """Record the shipped event's notice (once, pushed live when new) and make the first
    attempt; enqueued by the receiver with the event id only."""
    notice = services.record_notice(event_id=event_id)
    if notice.status != WarehouseNotice.Status.PENDING:
        return
    retry_in = services.deliver_notice(notice_id=notice.pk)
    if retry_in is not None:
        deliver_notice.apply_async((notice.pk,), countdown=retry_in)


@shared_task(**attempts.task_options())
def deliver_notice(self, notice_id: int) -> None:
    """One attempt; a failed one schedules the next at the time the row records."""
    retry_in = services.deliver_notice(notice_id=notice_id)
    if retry_in is not None:
        raise self.retry(countdown=retry_in, max_retries=None)


@shared_task
def sweep_stranded_notices() -> int:
    """Enqueue again every pending notice whose task was lost; return how many."""
    stranded = attempts.stranded(WarehouseNotice)
    for notice_id in stranded:
        deliver_notice.delay(notice_id)
    return len(stranded)


@shared_task
def sweep_missing_notices() -> int:
    """Record and enqueue the notices of shipped events whose task was lost before it
    recorded one; return how many were enqueued."""
    enqueued = 0
    for event_id in services.events_missing_their_notice():
        notice = services.record_notice(event_id=event_id)
        if notice.status == WarehouseNotice.Status.PENDING:
            deliver_notice.delay(notice.pk)
            enqueued += 1
    return enqueued
