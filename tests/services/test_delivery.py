"""Delivery of emails and warehouse notices: claim, send outside any transaction, record, retry
on the row's own schedule, and the sweep that picks up what a lost task left behind."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from django.utils import timezone

from delivery import attempts
from notifications.models import EmailLog
from notifications.receivers import QUEUE_SHIPMENT_EMAIL_UID
from notifications.services import deliver_email
from notifications.tasks import sweep_stranded_emails
from warehouse.models import WarehouseNotice
from warehouse.receivers import RECORD_WAREHOUSE_NOTICE_UID
from warehouse.tasks import sweep_stranded_notices

FOUR_HOURS = 4 * 3600


class ProbingBackend(EmailBackend):
    """The locmem backend, noting what the sending worker holds while SMTP would talk."""

    probes: list[dict] = []

    def send_messages(self, messages):
        for message in messages:
            self.probes.append(
                {
                    "in_transaction": connection.in_atomic_block,
                    "claimed": EmailLog.objects.filter(claimed_until__gt=timezone.now()).count(),
                    "message_id": message.extra_headers["Message-ID"],
                }
            )
        return super().send_messages(messages)


@pytest.fixture(autouse=True)
def _delivery_receivers_only(only_receivers):
    only_receivers(QUEUE_SHIPMENT_EMAIL_UID, RECORD_WAREHOUSE_NOTICE_UID)


def make_due(model) -> None:
    """Time-travel: every pending row's next attempt is due now."""
    model.objects.filter(status="pending").update(next_attempt_at=timezone.now())


def test_the_default_retry_schedule_outlasts_a_four_hour_outage(settings):
    attempts_after_first = range(1, settings.DELIVERY_MAX_ATTEMPTS)
    shortest = sum(
        0.75 * min(settings.DELIVERY_RETRY_BASE * 2 ** (n - 1), settings.DELIVERY_RETRY_MAX)
        for n in attempts_after_first
    )
    assert shortest > FOUR_HOURS
    delays = [attempts.retry_delay(n) for n in attempts_after_first for _ in range(20)]
    assert max(delays) <= settings.DELIVERY_RETRY_MAX
    assert (
        settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > settings.DELIVERY_RETRY_MAX
    )


@pytest.mark.django_db(transaction=True)
def test_email_is_sent_with_no_transaction_open_and_the_row_claimed(settings, order, ship):
    settings.EMAIL_BACKEND = f"{__name__}.ProbingBackend"
    ProbingBackend.probes = []

    ship(order)

    [probe] = [p for p in ProbingBackend.probes if p["message_id"].startswith("<emaillog-")]
    email_log = EmailLog.objects.get()
    assert probe == {
        "in_transaction": False,
        "claimed": 1,
        "message_id": probe["message_id"],
    }
    assert probe["message_id"].startswith(f"<emaillog-{email_log.pk}.")
    assert (email_log.status, email_log.attempts, email_log.claimed_until) == ("sent", 1, None)


@pytest.mark.django_db
def test_a_failed_attempt_is_recorded_and_scheduled_not_lost(
    order, ship, unreachable_smtp, settings
):
    before = timezone.now()
    ship(order)

    for row in (EmailLog.objects.get(), WarehouseNotice.objects.get(order=order)):
        assert (row.status, row.attempts, row.claimed_until) == ("pending", 1, None)
        assert "ConnectionRefusedError" in row.last_error
        earliest = before + timedelta(seconds=0.75 * settings.DELIVERY_RETRY_BASE)
        assert row.next_attempt_at >= earliest


@pytest.mark.django_db
def test_attempts_run_out_then_the_row_is_failed(order, ship, unreachable_smtp, settings):
    settings.DELIVERY_MAX_ATTEMPTS = 3
    ship(order)
    email_log = EmailLog.objects.get()

    for _ in range(5):
        make_due(EmailLog)
        deliver_email(email_log_id=email_log.pk)

    email_log.refresh_from_db()
    assert (email_log.status, email_log.attempts) == ("failed", 3)
    assert email_log.sent_at is None


@pytest.mark.django_db
def test_an_attempt_before_its_time_or_while_claimed_does_nothing(
    order, ship, unreachable_smtp, settings
):
    ship(order)
    email_log = EmailLog.objects.get()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    assert deliver_email(email_log_id=email_log.pk) is None  # its retry is not due yet
    make_due(EmailLog)
    assert attempts.claim(EmailLog, email_log.pk) == 2  # another worker holds it now
    deliver_email(email_log_id=email_log.pk)

    email_log.refresh_from_db()
    assert (email_log.status, email_log.attempts) == ("pending", 2)
    assert mail.outbox == []


@pytest.mark.django_db
def test_the_sweep_sends_what_a_killed_worker_left_claimed(order, ship, unreachable_smtp, settings):
    ship(order)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    make_due(EmailLog)
    make_due(WarehouseNotice)
    # A worker claims both rows and dies before sending.
    assert attempts.claim(EmailLog, EmailLog.objects.get().pk) == 2
    assert attempts.claim(WarehouseNotice, WarehouseNotice.objects.get().pk) == 2

    assert (sweep_stranded_emails(), sweep_stranded_notices()) == (0, 0)  # claims still live

    lapsed = timezone.now() - timedelta(seconds=settings.OUTBOX_STALE_AFTER + 1)
    EmailLog.objects.update(claimed_until=lapsed, next_attempt_at=lapsed)
    WarehouseNotice.objects.update(claimed_until=lapsed, next_attempt_at=lapsed)
    assert (sweep_stranded_emails(), sweep_stranded_notices()) == (1, 1)

    email_log, notice = EmailLog.objects.get(), WarehouseNotice.objects.get()
    assert (email_log.status, email_log.attempts) == ("sent", 3)  # the crashed one counted
    assert (notice.status, notice.attempts) == ("sent", 3)
    assert len(mail.outbox) == 2
    assert (sweep_stranded_emails(), sweep_stranded_notices()) == (0, 0)


@pytest.mark.django_db
def test_the_sweep_leaves_rows_that_are_not_overdue(order, ship, unreachable_smtp, settings):
    ship(order)  # failed once, retry scheduled
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    make_due(EmailLog)  # due now, but not overdue by OUTBOX_STALE_AFTER: its task is coming

    assert sweep_stranded_emails() == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_an_acknowledged_notice_is_never_marked_sent(order, ship, unreachable_smtp, settings):
    ship(order)
    notice = WarehouseNotice.objects.get(order=order)
    make_due(WarehouseNotice)
    attempt = attempts.claim(WarehouseNotice, notice.pk)
    assert attempt is not None
    WarehouseNotice.objects.filter(pk=notice.pk).update(
        status="acknowledged", acknowledged_at=timezone.now()
    )

    attempts.record_sent(WarehouseNotice, notice.pk, sent_at=timezone.now())
    attempts.record_failure(WarehouseNotice, notice.pk, attempt=attempt, error="late")

    notice.refresh_from_db()
    assert notice.status == "acknowledged"
