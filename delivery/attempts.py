"""One delivery attempt: claim the row, send outside any transaction, record the outcome.

- ``claim`` is one UPDATE that only one worker can win (the row must be pending, due and not
  claimed by a live worker); it counts the attempt before anything is sent.
- The caller sends while holding no lock and no transaction, for as long as SMTP takes.
- ``record_sent`` / ``record_failure`` store the outcome, retrying through a short database
  outage, so an email that went out is not left looking unsent.
"""

import logging
import random
import time
from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.utils import DNS_NAME
from django.db import DatabaseError, connection
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from delivery.models import Deliverable

logger = logging.getLogger(__name__)

T = TypeVar("T")
D = TypeVar("D", bound=Deliverable)
# A retried task may run a moment before the time its row records (clocks, rounding).
EARLY_TOLERANCE = timedelta(seconds=2)
RECORD_PATIENCE_SECONDS = 60


def task_options() -> dict:
    """Celery options for a delivery task: database errors (PostgreSQL restarting) before
    anything was sent retry the task itself, with countdowns capped like delivery retries."""
    return {
        "bind": True,
        "autoretry_for": (DatabaseError,),
        "retry_backoff": 5,
        "retry_backoff_max": int(settings.DELIVERY_RETRY_MAX),
        "retry_jitter": True,
        "max_retries": 50,
    }


def retry_delay(attempt: int) -> float:
    """Seconds to wait after failed attempt ``attempt`` (1-based): doubling, capped, jittered.

    The jitter takes at most a quarter off, so the schedule's length has a known lower bound
    (the retry budget in docs/operations.md) and a delay never exceeds DELIVERY_RETRY_MAX,
    which must stay below the broker's visibility timeout.
    """
    ceiling = min(settings.DELIVERY_RETRY_BASE * 2 ** (attempt - 1), settings.DELIVERY_RETRY_MAX)
    return ceiling * random.uniform(0.75, 1.0)


def deliver(rows: QuerySet[D], pk: int, *, compose: Callable[[D], EmailMessage]) -> float | None:
    """One attempt at the row ``pk`` of ``rows``: claim it, send the email ``compose`` builds
    from it, record the outcome. Return the seconds until the next attempt, or None (sent,
    failed for good, or not this worker's to send: sent already, not due, claimed)."""
    model = rows.model
    attempt = claim(model, pk)
    if attempt is None:
        return None
    row = rows.get(pk=pk)
    message = compose(row)
    message.extra_headers["Message-ID"] = message_id(row)
    try:
        message.send()
    except OSError as exc:  # smtplib.SMTPException and socket errors are both OSError
        error = f"{type(exc).__name__}: {exc}"
        logger.warning("%s %s: attempt %s failed: %s", model.__name__, pk, attempt, error)
        return record_failure(model, pk, attempt=attempt, error=error)
    record_sent(model, pk, sent_at=timezone.now())
    return None


def message_id(row: Deliverable) -> str:
    """The same Message-ID on every attempt, so a resend after a crash is recognisable."""
    return f"<{row._meta.model_name}-{row.pk}.{row.created_at:%Y%m%d%H%M%S}@{DNS_NAME}>"


def claim(model: type[Deliverable], pk: int) -> int | None:
    """Take the row for one attempt; return the attempt number, or None if it is not ours."""
    now = timezone.now()
    claimed = (
        model.objects.filter(pk=pk, status=Deliverable.PENDING)
        .filter(next_attempt_at__lte=now + EARLY_TOLERANCE)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        .update(
            attempts=F("attempts") + 1,
            claimed_until=now + timedelta(seconds=settings.DELIVERY_LEASE),
        )
    )
    if not claimed:
        return None
    return model.objects.values_list("attempts", flat=True).get(pk=pk)


def record_sent(model: type[Deliverable], pk: int, **fields) -> None:
    patiently(
        lambda: model.objects.filter(pk=pk, status=Deliverable.PENDING).update(
            status=Deliverable.SENT, last_error="", claimed_until=None, **fields
        )
    )


def record_failure(model: type[Deliverable], pk: int, *, attempt: int, error: str) -> float | None:
    """Store the error; return the seconds until the next attempt, or None if it failed."""
    max_attempts = patiently(
        lambda: model.objects.values_list("max_attempts", flat=True).get(pk=pk)
    )
    final = attempt >= max_attempts
    delay = None if final else retry_delay(attempt)
    patiently(
        lambda: model.objects.filter(pk=pk, status=Deliverable.PENDING).update(
            status=Deliverable.FAILED if final else Deliverable.PENDING,
            last_error=error[:2000],
            claimed_until=None,
            next_attempt_at=timezone.now() + timedelta(seconds=delay or 0),
        )
    )
    return delay


def stranded(model: type[Deliverable], *, limit: int = 1000) -> list[int]:
    """Pending rows overdue by OUTBOX_STALE_AFTER and claimed by nobody alive.

    Their queued task was lost (broker down at enqueue, worker killed, message expired). Each
    one's due time moves to now, so the next sweep leaves it alone for another stale period.
    """
    now = timezone.now()
    overdue = (
        model.objects.filter(status=Deliverable.PENDING)
        .filter(next_attempt_at__lte=now - timedelta(seconds=settings.OUTBOX_STALE_AFTER))
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lte=now))
        .order_by("next_attempt_at")
    )
    ids = list(overdue.values_list("pk", flat=True)[:limit])
    model.objects.filter(pk__in=ids).update(next_attempt_at=now)
    return ids


def reopen_failed(model: type[Deliverable], ids: list[int]) -> list[int]:
    """Make failed rows pending again with a fresh attempt budget; return which ones."""
    reopened = list(
        model.objects.filter(pk__in=ids, status=Deliverable.FAILED).values_list("pk", flat=True)
    )
    model.objects.filter(pk__in=reopened).update(
        status=Deliverable.PENDING,
        next_attempt_at=timezone.now(),
        claimed_until=None,
        max_attempts=F("attempts") + settings.DELIVERY_MAX_ATTEMPTS,
    )
    return reopened


def patiently(write: Callable[[], T]) -> T:
    """Run a query (or a function that runs one transaction), reconnecting through a
    database outage of up to RECORD_PATIENCE_SECONDS.

    Used after the message went out: giving up here would leave it pending, and it would be
    sent again once the claim lapses. Public for the apps that record their own outcome
    (webhooks).
    """
    deadline = time.monotonic() + RECORD_PATIENCE_SECONDS
    pause = 0.25
    while True:
        try:
            return write()
        except DatabaseError:
            if time.monotonic() + pause > deadline or connection.in_atomic_block:
                raise
            logger.warning("Database unavailable while recording a delivery; retrying")
            connection.close()
            time.sleep(pause)
            pause = min(pause * 2, 5)
