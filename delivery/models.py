"""The fields every delivered row carries: how often it was tried, why it failed, and when."""

from datetime import datetime
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone


def default_max_attempts() -> int:
    return settings.DELIVERY_MAX_ATTEMPTS


class Deliverable(models.Model):
    """Abstract: a row a worker sends out, with its own retry schedule and claim.

    The subclass defines ``status``, with at least the values ``pending``, ``sent`` and
    ``failed``, and ``created_at``. The schedule lives in the row rather than only in a queued
    Celery message, so a periodic sweep can find whatever a dead worker or a down broker left
    behind.
    """

    PENDING, SENT, FAILED = "pending", "sent", "failed"

    # Declared for the type checker only: every concrete subclass has both. The manager is
    # untyped because lookups name ``status``, which only the subclass defines.
    objects: ClassVar[models.Manager[Any]]
    created_at: datetime

    attempts = models.PositiveIntegerField(
        default=0, help_text="Every claim is counted, including attempts that crashed."
    )
    max_attempts = models.PositiveIntegerField(
        default=default_max_attempts,
        help_text="The row fails for good after this many attempts; a retry from the admin "
        "extends it.",
    )
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(
        default=timezone.now, help_text="When the next attempt is due."
    )
    claimed_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="A worker is sending it until then; after that a dead worker's claim lapses.",
    )

    class Meta:
        abstract = True
