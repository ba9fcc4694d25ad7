"""Email delivery (idempotent: a task for an email that was already sent does nothing), and
the clean-up of live watchers whose server process died."""

from celery import shared_task

from notifications import services


@shared_task(
    bind=True,
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=6,
)
def send_email(self, email_log_id: int) -> None:
    services.deliver_email(
        email_log_id=email_log_id, final_attempt=self.request.retries >= self.max_retries
    )


@shared_task
def forget_stale_watchers() -> int:
    return services.forget_stale_watchers()
