"""Warehouse notice delivery. Idempotent: a notice that was sent is not sent again."""

from celery import shared_task

from warehouse import services


@shared_task(
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=3600,
    retry_jitter=True,
    max_retries=6,
)
def send_notice(notice_id: int) -> None:
    services.deliver_notice(notice_id=notice_id)
