"""``GET /metrics``: scraped over a real socket and parsed with Prometheus's text parser, it
shows requests, the outbox, emails and notices by status, retries and subscribers; a token
closes it, and production without one has no such endpoint."""

import urllib.error
import urllib.request
from datetime import timedelta
from types import SimpleNamespace

import pytest
from celery.signals import task_failure, task_retry
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from notifications.models import EmailLog, LiveWatcher
from notifications.tasks import deliver_email, send_shipment_email
from orders.models import OrderEvent
from orders.tasks import redispatch_pending_events
from tests.factories import OrderFactory
from warehouse.models import WarehouseNotice
from warehouse.tasks import deliver_notice, send_warehouse_notice

pytestmark = pytest.mark.django_db(transaction=True)


def scrape(live_server, token: str | None = None) -> dict[tuple[str, tuple], float]:
    """Every sample, keyed by name and sorted labels."""
    request = urllib.request.Request(f"{live_server.url}/metrics")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.headers["Content-Type"].startswith("text/plain; version=")
        text = response.read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def status_code(live_server, **headers: str) -> int:
    request = urllib.request.Request(f"{live_server.url}/metrics", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_a_shipment_moves_from_pending_to_sent(
    live_server, order, ship, unreachable_smtp, settings
):
    ship(order)  # SMTP refuses: the email and the notice wait for their next attempt
    # As a web process that died between commit and dispatch leaves its event.
    OrderEvent.objects.update(dispatched_at=None, created_at=timezone.now() - timedelta(minutes=7))
    before = scrape(live_server)

    assert before[("shop_order_events_pending", ())] == 1
    assert before[("shop_order_events_oldest_pending_age_seconds", ())] >= 7 * 60
    assert before[("shop_email_logs", (("status", "pending"),))] == 1
    assert before[("shop_email_logs", (("status", "sent"),))] == 0
    assert before[("shop_warehouse_notices", (("status", "pending"),))] == 1

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # SMTP is back
    for model in (EmailLog, WarehouseNotice):
        model.objects.update(next_attempt_at=timezone.now())
    deliver_email(email_log_id=EmailLog.objects.get().pk)
    deliver_notice(notice_id=WarehouseNotice.objects.get().pk)
    redispatch_pending_events(older_than_seconds=0)
    after = scrape(live_server)

    assert after[("shop_order_events_pending", ())] == 0
    assert after[("shop_order_events_oldest_pending_age_seconds", ())] == 0
    assert after[("shop_email_logs", (("status", "pending"),))] == 0
    assert after[("shop_email_logs", (("status", "sent"),))] == 1
    assert after[("shop_warehouse_notices", (("status", "sent"),))] == 1
    assert after[("shop_delivery_retries", (("kind", "email"),))] == 1
    assert after[("shop_delivery_retries", (("kind", "warehouse_notice"),))] == 1


def test_an_email_and_notice_whose_task_has_not_run_are_pending(live_server, order, ship):
    """The receivers only enqueue; the tasks record the rows. A worker that has not run them
    yet (stopped, busy) leaves no row, and the scrape still counts them pending."""
    ship(order)
    EmailLog.objects.all().delete()  # as before the worker takes the tasks
    WarehouseNotice.objects.all().delete()
    ship(OrderFactory.create(), notify_customer=False)  # its email is not owed
    WarehouseNotice.objects.filter(order__pk__gt=order.pk).delete()
    waiting = scrape(live_server)

    assert waiting[("shop_order_events_pending", ())] == 0  # dispatched: the tasks are queued
    assert waiting[("shop_email_logs", (("status", "pending"),))] == 1
    assert waiting[("shop_email_logs", (("status", "sent"),))] == 0
    assert waiting[("shop_warehouse_notices", (("status", "pending"),))] == 2

    shipped = OrderEvent.objects.filter(type=OrderEvent.Type.SHIPPED)
    for event in shipped:
        send_warehouse_notice.delay(event.pk)
    send_shipment_email.delay(shipped.get(shipment__notify_customer=True).pk)
    sent = scrape(live_server)

    assert sent[("shop_email_logs", (("status", "pending"),))] == 0
    assert sent[("shop_email_logs", (("status", "sent"),))] == 1
    assert sent[("shop_warehouse_notices", (("status", "pending"),))] == 0
    assert sent[("shop_warehouse_notices", (("status", "sent"),))] == 2


def test_requests_are_counted_and_timed_by_view(live_server):
    before = scrape(live_server)
    urllib.request.urlopen(f"{live_server.url}/health/", timeout=10).read()
    after = scrape(live_server)

    health = ("method", "GET"), ("status", "200"), ("view", "health")
    assert (
        after[("shop_http_requests_total", health)]
        == before.get(("shop_http_requests_total", health), 0) + 1
    )
    count = ("shop_http_request_duration_seconds_count", (("method", "GET"), ("view", "health")))
    assert after[count] >= 1


def test_task_retries_failures_and_subscribers(live_server, customer):
    LiveWatcher.objects.create(
        channel_name="c1", process="ws-host:101", user=customer, path="/ws/orders/",
        last_seen_at=timezone.now(),
    )  # fmt: skip
    # What Celery sends when a task retries, and when one fails for good (shop/apps.py wires them).
    retried = SimpleNamespace(task=deliver_email.name)
    task_retry.send(sender=deliver_email, request=retried, reason="database restarting")
    task_failure.send(sender=deliver_notice, task_id="t1", exception=RuntimeError("boom"))

    samples = scrape(live_server)

    assert samples[("shop_websocket_subscribers", (("process", "ws-host:101"),))] == 1
    assert samples[("shop_celery_task_retries_total", (("task", deliver_email.name),))] >= 1
    assert samples[("shop_celery_task_failures_total", (("task", deliver_notice.name),))] >= 1


def test_a_token_closes_it(live_server, settings):
    settings.METRICS_TOKEN = "s3cret-token"

    assert status_code(live_server) == 401
    assert status_code(live_server, Authorization="Bearer wrong") == 401
    assert status_code(live_server, Authorization="Token s3cret-token") == 401
    assert ("shop_order_events_pending", ()) in scrape(live_server, token="s3cret-token")


def test_production_without_a_token_has_no_metrics(live_server, settings):
    settings.PRODUCTION = True
    settings.METRICS_TOKEN = ""

    assert status_code(live_server) == 404
