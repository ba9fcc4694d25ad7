"""Notices telling the warehouse what to pack, one per shipment."""

from django.conf import settings
from django.db import models

from delivery.models import Deliverable
from orders.models import Order, Shipment


class WarehouseNotice(Deliverable):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="warehouse_notices")
    shipment = models.OneToOneField(
        Shipment, on_delete=models.PROTECT, related_name="warehouse_notice"
    )
    # Snapshot of [{"sku", "name", "quantity"}] at ship time: later catalogue edits don't change it.
    items = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="acknowledged_notices",
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("acknowledge_warehousenotice", "Can acknowledge warehouse notice")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "sent", "failed", "acknowledged"]),
                name="warehousenotice_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status="acknowledged", acknowledged_at__isnull=False)
                | ~models.Q(status="acknowledged"),
                name="warehousenotice_acknowledged_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["status"], name="warehousenotice_status"),
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="warehousenotice_pending_due",
            ),
        ]

    def __str__(self) -> str:
        return f"Notice for {self.order}"
