"""Warehouse notices: create one per shipment, deliver it, let staff acknowledge it."""

from functools import partial

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from orders.models import Order, Shipment
from warehouse.exceptions import AlreadyAcknowledged
from warehouse.models import WarehouseNotice
from warehouse.push import push_notice


def record_notice(*, order: Order, shipment: Shipment) -> tuple[WarehouseNotice, bool]:
    """Return the notice for this shipment and whether it is new; items are snapshotted once."""
    return WarehouseNotice.objects.get_or_create(
        shipment=shipment,
        defaults={
            "order": order,
            "items": [
                {"sku": sku, "name": name, "quantity": quantity}
                for sku, name, quantity in order.items.values_list(
                    "product__sku", "product__name", "quantity"
                )
            ],
        },
    )


def deliver_notice(*, notice_id: int) -> None:
    """Email the pick list to the warehouse once; a sent or acknowledged notice is left alone."""
    with transaction.atomic():
        notice = (
            WarehouseNotice.objects.select_for_update()
            .select_related("order", "shipment")
            .filter(pk=notice_id)
            .first()
        )
        if notice is None or notice.status != WarehouseNotice.Status.PENDING:
            return
        context = {"notice": notice, "order": notice.order, "shipment": notice.shipment}
        send_mail(
            subject=f"Pack order {notice.order.number}",
            message=render_to_string("warehouse/email/notice.txt", context),
            from_email=None,
            recipient_list=[settings.WAREHOUSE_EMAIL],
        )
        notice.status = WarehouseNotice.Status.SENT
        notice.sent_at = timezone.now()
        notice.save(update_fields=["status", "sent_at"])


def acknowledge_notice(*, notice: WarehouseNotice, user: AbstractBaseUser) -> WarehouseNotice:
    """Mark a notice as handled by ``user``; acknowledging twice raises AlreadyAcknowledged.

    Staff watching ``ws/warehouse/`` are told once the change has committed.
    """
    with transaction.atomic():
        locked = (
            WarehouseNotice.objects.select_for_update(of=("self",))
            .select_related("order", "shipment")
            .get(pk=notice.pk)
        )
        if locked.status == WarehouseNotice.Status.ACKNOWLEDGED:
            raise AlreadyAcknowledged(f"Notice {locked.pk} was acknowledged already.")
        locked.status = WarehouseNotice.Status.ACKNOWLEDGED
        locked.acknowledged_by = user
        locked.acknowledged_at = timezone.now()
        locked.save(update_fields=["status", "acknowledged_by", "acknowledged_at"])
        transaction.on_commit(partial(push_notice, locked), robust=True)
    return locked
