"""The admin's "retry" action for deliverable rows, shared by the email and notice admins."""

from collections.abc import Callable

from celery import Task
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from kombu.exceptions import OperationalError as BrokerError


def queue_retries(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet,
    *,
    reopen: Callable[[list[int]], list[int]],
    task: Task,
    noun: str,
    retryable: str,
) -> None:
    """Reopen the selected rows ``reopen`` accepts and enqueue ``task`` for each.

    An unreachable broker is a warning, not an error: the rows are pending again, so the
    sweep enqueues them once the broker is back. ``retryable`` says which rows qualify.
    """
    reopened = reopen(list(queryset.values_list("pk", flat=True)))
    try:
        for pk in reopened:
            task.delay(pk)
    except BrokerError:
        modeladmin.message_user(
            request,
            "The task queue is unreachable: the sweep sends them once it is back.",
            messages.WARNING,
        )
    modeladmin.message_user(
        request, f"{len(reopened)} {noun}(s) queued for another attempt.", messages.SUCCESS
    )
    if skipped := queryset.count() - len(reopened):
        modeladmin.message_user(
            request, f"{skipped} skipped: only {retryable} are retried.", messages.WARNING
        )
