"""Customer email (logged once per event, delivered from a Celery task) and the clean-up of
live watchers."""

import logging
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from notifications.models import EmailLog, LiveWatcher
from orders.models import Order, OrderEvent, Shipment

logger = logging.getLogger(__name__)

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


def deliver_email(*, email_log_id: int, final_attempt: bool) -> None:
    """Send a logged email unless it was sent already; record every attempt.

    The row is locked while sending so two workers never both send it. A failure is recorded
    (status ``failed`` on the final attempt) and re-raised for the task to retry.
    """
    error: OSError | None = None
    with transaction.atomic():
        email_log = EmailLog.objects.select_for_update().filter(pk=email_log_id).first()
        if email_log is None:
            logger.warning("Email log %s no longer exists; nothing to send.", email_log_id)
            return
        if email_log.status == EmailLog.Status.SENT or not email_log.recipient:
            return
        email_log.attempts += 1
        message = EmailMultiAlternatives(
            subject=email_log.subject, body=email_log.body_text, to=[email_log.recipient]
        )
        message.attach_alternative(email_log.body_html, "text/html")
        try:
            message.send()
        except OSError as exc:  # smtplib.SMTPException and socket errors are both OSError
            error = exc
            email_log.last_error = f"{type(exc).__name__}: {exc}"
            email_log.status = EmailLog.Status.FAILED if final_attempt else EmailLog.Status.PENDING
        else:
            email_log.status = EmailLog.Status.SENT
            email_log.sent_at = timezone.now()
            email_log.last_error = ""
        email_log.save(update_fields=["attempts", "last_error", "status", "sent_at"])
    if error is not None:
        raise error


def retry_failed_emails(*, email_log_ids: list[int]) -> int:
    """Put failed emails back to pending and enqueue the same delivery task; return how many.

    Only failed emails with a recipient qualify; sent ones are never sent twice.
    """
    from notifications.tasks import send_email  # tasks imports this module

    with transaction.atomic():
        retryable = list(
            EmailLog.objects.select_for_update()
            .filter(pk__in=email_log_ids, status=EmailLog.Status.FAILED)
            .exclude(recipient="")
            .values_list("id", flat=True)
        )
        EmailLog.objects.filter(pk__in=retryable).update(status=EmailLog.Status.PENDING)
        for email_log_id in retryable:
            send_email.delay_on_commit(email_log_id)
    return len(retryable)


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
    silence = timedelta(seconds=LiveWatcher.HEARTBEAT_SECONDS * LiveWatcher.MISSED_HEARTBEATS)
    deleted, _ = LiveWatcher.objects.filter(last_seen_at__lt=timezone.now() - silence).delete()
    return deleted
