"""Email delivery and the periodic jobs that keep it and the live watchers honest.

Delivery is idempotent (a task for a sent, failed or claimed email does nothing), so a
duplicate message, a redelivery after a killed worker and the sweep are all harmless.
"""

from celery import shared_task

from delivery import attempts
from notifications import services
from notifications.models import EmailLog


@shared_task(**attempts.task_options())
def send_shipment_email(self, event_id: int) -> None:
    """Log the shipped event's email (once) and make the first attempt; enqueued by the
    receiver with the event id only, so the web request does no SQL for the email."""
    email_log_id, status = services.log_shipment_email(event_id=event_id)
    if status != EmailLog.Status.PENDING:
        return
    retry_in = services.deliver_email(email_log_id=email_log_id)
    if retry_in is not None:
        deliver_email.apply_async((email_log_id,), countdown=retry_in)


@shared_task(**attempts.task_options())
def deliver_email(self, email_log_id: int) -> None:
    """One attempt; a failed one schedules the next at the time the row records."""
    retry_in = services.deliver_email(email_log_id=email_log_id)
    if retry_in is not None:
        raise self.retry(countdown=retry_in, max_retries=None)


@shared_task
def sweep_stranded_emails() -> int:
    """Enqueue again every pending email whose task was lost; return how many."""
    stranded = attempts.stranded(EmailLog)
    for email_log_id in stranded:
        deliver_email.delay(email_log_id)
    return len(stranded)


@shared_task
def sweep_missing_emails() -> int:
    """Log and enqueue the emails of shipped events whose task was lost before it logged
    one; return how many were enqueued."""
    enqueued = 0
    for event_id in services.events_missing_their_email():
        email_log_id, status = services.log_shipment_email(event_id=event_id)
        if status == EmailLog.Status.PENDING:
            deliver_email.delay(email_log_id)
            enqueued += 1
    return enqueued


@shared_task
def forget_stale_watchers() -> int:
    return services.forget_stale_watchers()
