"""Customer email (logged once per event and delivered from a Celery task, found again by a
sweep when its task was lost) and the clean-up of live watchers."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.utils import timezone

from delivery import attempts
from notifications.models import EmailLog, LiveWatcher
from orders.models import OrderEvent
from shop.api.consumers import HEARTBEAT_SECONDS

NO_ADDRESS_ERROR = "The customer has no email address."


def log_shipment_email(*, event_id: int) -> tuple[int, str]:
    """Store the shipment email of this shipped event the first time (idempotent); return
    its id and status.

    One INSERT that skips a row already there (the unique (event, kind)), then one read of
    the row that won: a task run twice, or beside the sweep, logs one email.
    """
    event = OrderEvent.objects.select_related("order__customer", "order__shipment").get(
        pk=event_id, type=OrderEvent.Type.SHIPPED
    )
    order = event.order
    customer = order.customer
    context = {"order": order, "shipment": order.shipment, "customer": customer}
    recipient = customer.email
    draft = EmailLog(
        event=event,
        kind=EmailLog.Kind.ORDER_SHIPPED,
        recipient=recipient,
        subject=render_to_string("notifications/email/order_shipped_subject.txt", context).strip(),
        body_text=render_to_string("notifications/email/order_shipped.txt", context),
        body_html=render_to_string("notifications/email/order_shipped.html", context),
        status=EmailLog.Status.PENDING if recipient else EmailLog.Status.FAILED,
        last_error="" if recipient else NO_ADDRESS_ERROR,
    )
    EmailLog.objects.bulk_create([draft], ignore_conflicts=True)
    logged = EmailLog.objects.filter(event_id=event_id, kind=EmailLog.Kind.ORDER_SHIPPED)
    return logged.values_list("id", "status").get()


def events_missing_their_email(*, limit: int = 1000) -> list[int]:
    """Shipped events dispatched over OUTBOX_STALE_AFTER ago whose customer wants email and
    that have no email logged: their task was accepted and then lost (Redis keeps nothing on
    disk), so nothing else would ever send it."""
    cutoff = timezone.now() - timedelta(seconds=settings.OUTBOX_STALE_AFTER)
    logged = EmailLog.objects.filter(event=OuterRef("pk"), kind=EmailLog.Kind.ORDER_SHIPPED)
    missing = (
        OrderEvent.objects.filter(
            type=OrderEvent.Type.SHIPPED,
            dispatched_at__lte=cutoff,
            order__shipment__notify_customer=True,
        )
        .filter(~Exists(logged))
        .order_by("dispatched_at")
    )
    return list(missing.values_list("pk", flat=True)[:limit])


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
