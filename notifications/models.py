"""The log of customer emails: one row per (shipment, kind), so each parcel's shipped, out for
delivery and delivered emails go once each, however often their events are delivered."""

from django.conf import settings
from django.db import models

from delivery.models import Deliverable
from orders.models import OrderEvent, Shipment


class EmailLog(Deliverable):
    class Kind(models.TextChoices):
        ORDER_SHIPPED = "order_shipped", "Parcel shipped"
        OUT_FOR_DELIVERY = "out_for_delivery", "Parcel out for delivery"
        DELIVERED = "delivered", "Parcel delivered"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    # The event that first asked for the email, and the parcel it is about.
    event = models.ForeignKey(OrderEvent, on_delete=models.PROTECT, related_name="email_logs")
    shipment = models.ForeignKey(Shipment, on_delete=models.PROTECT, related_name="email_logs")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    recipient = models.EmailField(blank=True)
    subject = models.CharField(max_length=200)
    body_text = models.TextField()
    body_html = models.TextField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["shipment", "kind"], name="emaillog_once_per_shipment_kind"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "sent", "failed"]),
                name="emaillog_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=["order_shipped", "out_for_delivery", "delivered"]),
                name="emaillog_kind_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["status"], name="emaillog_status"),
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="emaillog_pending_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient or '(no address)'}"


class LiveWatcher(models.Model):
    """An open websocket subscription, so staff can see who is watching which order right now.

    Written by the ``websocket_event`` receiver, in batches per server process: created on
    connect, deleted on disconnect. Each row names its ``process``; a heartbeat of any socket
    touches every row of that process at most once per heartbeat interval (one statement, not
    one per socket). A server process that dies never sends the disconnects; its rows stop
    being touched and ``forget_stale_watchers`` removes them.
    """

    MISSED_HEARTBEATS = 3  # after this many heartbeats (shop.api.consumers), a ghost

    channel_name = models.CharField(max_length=200, unique=True)
    process = models.CharField(max_length=100, db_index=True, default="")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="live_watches"
    )
    path = models.CharField(max_length=200)
    order = models.ForeignKey(
        "orders.Order", on_delete=models.CASCADE, null=True, blank=True, related_name="watchers"
    )
    connected_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField()

    class Meta:
        ordering = ["-connected_at"]

    def __str__(self) -> str:
        return f"{self.user} on {self.path}"
