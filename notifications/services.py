"""Customer email (logged once per event, delivered from a Celery task) and the clean-up of
live watchers."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from delivery import attempts
from notifications.models import EmailLog, LiveWatcher
from orders.models import Order, OrderEvent, Shipment
from shop.api.consumers import HEARTBEAT_SECONDS

NO_ADDRESS_ERROR = "The customer has no email address."


def log_shipment_email(*, order: Order, shipment: Shipment, event: OrderEvent) -> EmailLog:
    """Return the shipment email for this event, storing it the first time (idempotent)."""
    customer = order.customer
    context = {"order": order, "shipment": shipment, "customer": customer}
    recipient = customer.email
    email_log, _ = EmailLog.objects.get_or_create(
        event=event,
        kind=EmailLog.Kind.ORDER_SHIPPED,
        defaults={
            "recipient": recipient,
            "subject": render_to_string(
                "notifications/email/order_shipped_subject.txt", context
            ).strip(),
            "body_text": render_to_string("notifications/email/order_shipped.txt", context),
            "body_html": render_to_string("notifications/email/order_shipped.html", context),
            "status": EmailLog.Status.PENDING if recipient else EmailLog.Status.FAILED,
            "last_error": "" if recipient else NO_ADDRESS_ERROR,
        },
    )
    return email_log


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
                [
                    LiveWatcher(
                        channel_name=change.channel_name,
                        process=change.process,
                        user_id=change.user_id,
                        path=change.path,
                        order_id=change.order_id,
                        last_seen_at=now,
                    )
                    for change in connects
                ],
                update_conflicts=True,
                unique_fields=["channel_name"],
                update_fields=["process", "user", "path", "order", "last_seen_at"],
            )
        if touched:
            LiveWatcher.objects.filter(process__in=touched).update(last_seen_at=now)


def forget_stale_watchers() -> int:
    """Delete the watchers whose process missed its heartbeats (the process died)."""
    silence = timedelta(seconds=HEARTBEAT_SECONDS * LiveWatcher.MISSED_HEARTBEATS)
    deleted, _ = LiveWatcher.objects.filter(last_seen_at__lt=timezone.now() - silence).delete()
    return deleted
