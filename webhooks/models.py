"""Webhook endpoints, one delivery per (endpoint, order event), and every attempt at it."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from delivery.models import Deliverable
from orders.models import Order, OrderEvent
from webhooks.schedule import default_max_attempts


def new_webhook_id() -> str:
    return f"msg_{uuid.uuid4().hex}"


class Endpoint(models.Model):
    """A URL that receives signed deliveries of the events it subscribes to.

    ``secret`` signs every delivery. After a rotation ``previous_secret`` also signs until
    ``previous_secret_expires_at``, so a receiver can switch secrets without losing one.
    ``failing_since`` is the first failed attempt since the last success: an endpoint that
    has failed for ``WEBHOOKS_DISABLE_AFTER`` is disabled, with ``disabled_reason`` saying why.
    """

    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    events = models.JSONField(default=list, blank=True, help_text="Empty: every event type.")
    active = models.BooleanField(default=True)
    enabled_at = models.DateTimeField(
        default=timezone.now,
        editable=False,
        help_text="Registered or last enabled: events from before are never swept to it.",
    )
    disabled_reason = models.CharField(max_length=300, blank=True)
    secret = models.CharField(max_length=100, editable=False)
    previous_secret = models.CharField(max_length=100, blank=True, editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    failing_since = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="webhook_endpoints",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.url


class Delivery(Deliverable):
    """One event for one endpoint: created once, sent until a 2xx or the schedule runs out.

    ``webhook_id`` is the Standard Webhooks message id: the same on every attempt and every
    manual retry, so a receiver deduplicates on it. ``body`` is the exact JSON sent (and
    signed), built once from the order as it was when the delivery was created.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(
        OrderEvent, on_delete=models.CASCADE, null=True, blank=True, related_name="webhooks"
    )
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, null=True, blank=True, related_name="webhooks"
    )
    event_type = models.CharField(max_length=40)
    webhook_id = models.CharField(
        max_length=40, unique=True, default=new_webhook_id, editable=False
    )
    body = models.TextField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    max_attempts = models.PositiveIntegerField(
        default=default_max_attempts,
        help_text="The delivery fails after this many attempts; a manual retry adds one.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    succeeded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "deliveries"
        constraints = [
            # Exactly once per (endpoint, order event), however often the event is dispatched.
            models.UniqueConstraint(
                fields=["endpoint", "event"], name="webhookdelivery_once_per_event"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "succeeded", "failed"]),
                name="webhookdelivery_status_valid",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="webhookdelivery_pending_due",
            ),
            models.Index(fields=["endpoint", "-created_at"], name="webhookdelivery_endpoint"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.webhook_id}"


class Attempt(models.Model):
    """One POST of a delivery: what came back, how long it took, or why it failed."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    attempted_at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField()
    error = models.CharField(max_length=500, blank=True)
    response_excerpt = models.TextField(blank=True)

    class Meta:
        ordering = ["attempted_at", "id"]

    def __str__(self) -> str:
        return f"{self.status_code or self.error} at {self.attempted_at:%Y-%m-%d %H:%M:%S}"
