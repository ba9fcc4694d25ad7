"""Customer email (logged once per event, delivered from a Celery task) and the clean-up of
live watchers."""

from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import EmailMultiAlternatives
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


def record_watcher_event(
    *, event: str, user: AbstractBaseUser, path: str, channel_name: str, order_id: int | None
) -> None:
    """Create, touch or delete the ``LiveWatcher`` row of one websocket subscription."""
    watchers = LiveWatcher.objects.filter(channel_name=channel_name)
    if event == "connect":
        LiveWatcher.objects.update_or_create(
            channel_name=channel_name,
            defaults={
                "user": user,
                "path": path,
                "order_id": order_id,
                "last_seen_at": timezone.now(),
            },
        )
    elif event in {"message", "heartbeat"}:
        watchers.update(last_seen_at=timezone.now())
    elif event == "disconnect":
        watchers.delete()


def forget_stale_watchers() -> int:
    """Delete the watchers that missed their heartbeats (their server process died)."""
    silence = timedelta(seconds=HEARTBEAT_SECONDS * LiveWatcher.MISSED_HEARTBEATS)
    deleted, _ = LiveWatcher.objects.filter(last_seen_at__lt=timezone.now() - silence).delete()
    return deleted
