"""The log of customer emails: one row per (event, kind), so a redelivered event sends once."""

from django.db import models

from orders.models import OrderEvent


class EmailLog(models.Model):
    class Kind(models.TextChoices):
        ORDER_SHIPPED = "order_shipped", "Order shipped"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    event = models.ForeignKey(OrderEvent, on_delete=models.PROTECT, related_name="email_logs")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    recipient = models.EmailField(blank=True)
    subject = models.CharField(max_length=200)
    body_text = models.TextField()
    body_html = models.TextField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "kind"], name="emaillog_once_per_event_kind"),
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "sent", "failed"]),
                name="emaillog_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["status"], name="emaillog_status")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient or '(no address)'}"
