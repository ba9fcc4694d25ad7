"""Customer email (logged once per parcel and kind, delivered from a Celery task, found again by a
sweep when its task was lost) and the clean-up of live watchers."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from delivery import attempts
from notifications.models import EmailLog, LiveWatcher
from orders.models import OrderEvent, ShipmentStatus
from orders.signals import ShipmentUpdatedPayload
from shop.api.consumers import HEARTBEAT_SECONDS

NO_ADDRESS_ERROR = "The customer has no email address."


# The shipment statuses a customer is emailed about, beside the ship itself.
KIND_FOR_SHIPMENT_STATUS: dict[str, str] = {
    ShipmentStatus.OUT_FOR_DELIVERY: EmailLog.Kind.OUT_FOR_DELIVERY,
    ShipmentStatus.DELIVERED: EmailLog.Kind.DELIVERED,
}


def email_kind(event: OrderEvent) -> str | None:
    """The email a shipment event asks for, or None (the event is not emailed)."""
    if event.type == OrderEvent.Type.SHIPPED:
        return EmailLog.Kind.ORDER_SHIPPED
    if event.type == OrderEvent.Type.SHIPMENT_UPDATED:
        updated = cast(ShipmentUpdatedPayload, event.payload)
        return KIND_FOR_SHIPMENT_STATUS.get(updated["shipment_status"])
    return None


def log_shipment_email(*, event_id: int) -> tuple[int, str]:
    """Store the email this shipment event asks for, the first time for its parcel and kind
    (idempotent); return its id and status.

    One INSERT that skips a row already there (the unique (shipment, kind)), then one read of
    the row that won: a task run twice, beside the sweep, or for a second event of the same
    kind (out for delivery again after a failed attempt), logs one email.
    """
    event = OrderEvent.objects.select_related("order__customer", "shipment").get(
        pk=event_id, type__in=[OrderEvent.Type.SHIPPED, OrderEvent.Type.SHIPMENT_UPDATED]
    )
    kind = email_kind(event)
    if kind is None:
        raise ValueError(f"Event {event_id} ({event.type}) asks for no email.")
    order, shipment = event.order, event.shipment
    assert shipment is not None  # orderevent_shipment_iff_shipment_event: shipment events have one
    customer = order.customer
    lines = shipment.lines.select_related("item__product")
    context = {"order": order, "shipment": shipment, "customer": customer, "lines": lines}
    recipient = customer.email
    draft = EmailLog(
        event=event,
        shipment=shipment,
        kind=kind,
        recipient=recipient,
        subject=render_to_string(f"notifications/email/{kind}_subject.txt", context).strip(),
        body_text=render_to_string(f"notifications/email/{kind}.txt", context),
        body_html=render_to_string(f"notifications/email/{kind}.html", context),
        status=EmailLog.Status.PENDING if recipient else EmailLog.Status.FAILED,
        last_error="" if recipient else NO_ADDRESS_ERROR,
    )
    EmailLog.objects.bulk_create([draft], ignore_conflicts=True)
    logged = EmailLog.objects.filter(shipment=shipment, kind=kind)
    return logged.values_list("id", "status").get()


def events_missing_their_email(*, limit: int = 1000) -> list[int]:
    """Shipment events dispatched over OUTBOX_STALE_AFTER ago that ask for an email the
    customer wants and whose parcel has none of that kind logged: their task was accepted and
    then lost (Redis keeps nothing on disk), so nothing else would ever send it."""
    cutoff = timezone.now() - timedelta(seconds=settings.OUTBOX_STALE_AFTER)
    missing: list[int] = []
    for events in _events_without_their_email():
        stale = events.filter(dispatched_at__lte=cutoff).order_by("dispatched_at")
        missing += stale.values_list("pk", flat=True)[: limit - len(missing)]
    return missing


def count_emails_not_logged() -> int:
    """Emails owed to a parcel and not logged yet, one per parcel and kind: their task waits
    in the queue (a worker stopped or busy), runs, or was lost until the sweep takes it. Not
    sent, so pending for whoever watches the outbox, though no ``EmailLog`` row says so."""
    return sum(
        events.values("shipment_id").distinct().count() for events in _events_without_their_email()
    )


def _events_without_their_email() -> list[QuerySet[OrderEvent]]:
    """Per email kind, the shipment events that ask for it, the customer wanting email,
    whose parcel has none of that kind logged."""
    asking = {
        EmailLog.Kind.ORDER_SHIPPED: Q(type=OrderEvent.Type.SHIPPED),
        **{
            kind: Q(type=OrderEvent.Type.SHIPMENT_UPDATED, payload__shipment_status=status)
            for status, kind in KIND_FOR_SHIPMENT_STATUS.items()
        },
    }
    return [
        OrderEvent.objects.filter(asks, shipment__notify_customer=True).filter(
            ~Exists(EmailLog.objects.filter(shipment=OuterRef("shipment_id"), kind=kind))
        )
        for kind, asks in asking.items()
    ]


def deliver_email(*, email_log_id: int) -> float | None:
    """One attempt at sending a logged email; return the seconds until a retry, or None.

    The row is claimed in its own short statement and SMTP is spoken with no transaction or
    row lock held. A sent, failed or already claimed email is left alone, so a duplicate or
    redelivered task does nothing.
    """
    return attempts.deliver(EmailLog.objects.all(), email_log_id, compose=_shipment_email)


def _shipment_email(email_log: EmailLog) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=email_log.subject, body=email_log.body_text, to=[email_log.recipient]
    )
    message.attach_alternative(email_log.body_html, "text/html")
    return message


def reopen_failed_emails(*, email_log_ids: list[int]) -> list[int]:
    """Put failed emails that have a recipient back to pending; return their ids.

    The caller enqueues their delivery. Sent emails are never reopened.
    """
    with_recipient = list(
        EmailLog.objects.filter(pk__in=email_log_ids)
        .exclude(recipient="")
        .values_list("id", flat=True)
    )
    return attempts.reopen_failed(EmailLog, with_recipient)


@dataclass(frozen=True)
class WatcherChange:
    """One websocket's change to the watcher list; ``touch`` marks its process as alive."""

    event: str  # "connect", "disconnect" or "touch"
    channel_name: str = ""
    process: str = ""
    user_id: int | None = None
    path: str = ""
    order_id: int | None = None


def apply_watcher_changes(*, changes: Sequence[WatcherChange]) -> None:
    """Apply a batch of connects, disconnects and touches, in order, in one transaction.

    A channel's last change wins: one that connected and disconnected within the batch is
    never written. A touch updates every row of its process.
    """
    now = timezone.now()
    final: dict[str, WatcherChange] = {}
    touched: set[str] = set()
    for change in changes:
        if change.event == "touch":
            touched.add(change.process)
        else:
            final[change.channel_name] = change
    connects = [change for change in final.values() if change.event == "connect"]
    with transaction.atomic():
        if gone := [name for name, change in final.items() if change.event == "disconnect"]:
            LiveWatcher.objects.filter(channel_name__in=gone).delete()
        if connects:
            LiveWatcher.objects.bulk_create(
                [_new_watcher(change, last_seen_at=now) for change in connects],
                update_conflicts=True,
                unique_fields=["channel_name"],
                update_fields=["process", "user", "path", "order", "last_seen_at"],
            )
        if touched:
            LiveWatcher.objects.filter(process__in=touched).update(last_seen_at=now)


def _new_watcher(connect: WatcherChange, *, last_seen_at: datetime) -> LiveWatcher:
    assert connect.user_id is not None  # a connect always names its signed-in user
    return LiveWatcher(
        channel_name=connect.channel_name,
        process=connect.process,
        user_id=connect.user_id,
        path=connect.path,
        order_id=connect.order_id,
        last_seen_at=last_seen_at,
    )


def forget_stale_watchers() -> int:
    """Delete the watchers whose process missed its heartbeats (the process died)."""
    silence = timedelta(seconds=HEARTBEAT_SECONDS * LiveWatcher.MISSED_HEARTBEATS)
    deleted, _ = LiveWatcher.objects.filter(last_seen_at__lt=timezone.now() - silence).delete()
    return deleted
