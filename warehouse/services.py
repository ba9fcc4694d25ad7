"""Warehouse notices: create one per shipment, deliver it, let staff acknowledge it."""

from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from delivery import attempts
from orders.models import OrderEvent
from warehouse.exceptions import AlreadyAcknowledged
from warehouse.models import WarehouseNotice
from warehouse.push import push_notice


def record_notice(*, event_id: int) -> WarehouseNotice:
    """Return the notice of this shipped event's shipment, storing it (the shipment's own lines
    snapshotted) and showing it to staff live the first time; idempotent, one notice per
    shipment.

    The live push happens here, in the worker, after the notice committed: a push the layer
    drops is not retried (it is at-most-once), the board shows the notice on its next load.
    """
    event = OrderEvent.objects.select_related("order", "shipment").get(
        pk=event_id, type=OrderEvent.Type.SHIPPED
    )
    shipment = event.shipment
    assert shipment is not None  # orderevent_shipment_iff_shipment_event: a shipped event has one
    notice, created = WarehouseNotice.objects.get_or_create(
        shipment=shipment,
        defaults={
            "order": event.order,
            "items": [
                {"sku": sku, "name": name, "quantity": quantity}
                for sku, name, quantity in shipment.lines.values_list(
                    "item__product__sku", "item__product__name", "quantity"
                )
            ],
        },
    )
    if created:
        push_notice(notice)
    return notice


def events_missing_their_notice(*, limit: int = 1000) -> list[int]:
    """Shipped events dispatched over OUTBOX_STALE_AFTER ago whose shipment has no notice:
    their task was accepted and then lost (Redis keeps nothing on disk)."""
    cutoff = timezone.now() - timedelta(seconds=settings.OUTBOX_STALE_AFTER)
    missing = _events_without_their_notice().filter(dispatched_at__lte=cutoff)
    return list(missing.order_by("dispatched_at").values_list("pk", flat=True)[:limit])


def count_notices_not_recorded() -> int:
    """Shipments whose notice is owed and not recorded yet (its task waits, runs, or was lost
    until the sweep): not sent, so pending, though no ``WarehouseNotice`` row says so."""
    return _events_without_their_notice().count()


def _events_without_their_notice() -> QuerySet[OrderEvent]:
    noticed = WarehouseNotice.objects.filter(shipment_id=OuterRef("shipment_id"))
    return OrderEvent.objects.filter(type=OrderEvent.Type.SHIPPED).filter(~Exists(noticed))


def deliver_notice(*, notice_id: int) -> float | None:
    """One attempt at emailing the pick list; return the seconds until a retry, or None.

    Claimed in its own statement, sent with no transaction or lock held; a sent, failed,
    acknowledged or claimed notice is left alone.
    """
    notices = WarehouseNotice.objects.select_related("order", "shipment")
    retry_in = attempts.deliver(notices, notice_id, compose=_pick_list)
    if retry_in is None:
        _push_outcome(notice_id)
    return retry_in


def _push_outcome(notice_id: int) -> None:
    """Show staff the notice's new status (sent, or failed for good) once it is stored.

    Also after an attempt that was not this worker's: pushing a status the board shows
    already changes nothing there, so a repeat is harmless. A retry still pending pushes
    nothing. Best effort, like every push: a dropped one shows on the board's next load.
    """
    notice = WarehouseNotice.objects.select_related("order", "shipment", "acknowledged_by").get(
        pk=notice_id
    )
    if notice.status in {WarehouseNotice.Status.SENT, WarehouseNotice.Status.FAILED}:
        transaction.on_commit(partial(push_notice, notice), robust=True)


def _pick_list(notice: WarehouseNotice) -> EmailMessage:
    context = {"notice": notice, "order": notice.order, "shipment": notice.shipment}
    return EmailMessage(
        subject=f"Pack order {notice.order.number}",
        body=render_to_string("warehouse/email/notice.txt", context),
        to=[settings.WAREHOUSE_EMAIL],
    )


def reopen_failed_notices(*, notice_ids: list[int]) -> list[int]:
    """Put failed notices back to pending and show staff that they are; return their ids.
    The caller enqueues them."""
    reopened = attempts.reopen_failed(WarehouseNotice, notice_ids)
    for notice in WarehouseNotice.objects.select_related("order", "shipment").filter(
        pk__in=reopened
    ):
        transaction.on_commit(partial(push_notice, notice), robust=True)
    return reopened


def acknowledge_notice(*, notice: WarehouseNotice, user: User) -> WarehouseNotice:
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
