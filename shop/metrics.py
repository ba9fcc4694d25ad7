"""``GET /metrics`` in the Prometheus text format (prometheus-client), and what feeds it.

Two kinds of figures, each counted where it can be counted right:

- **Events in a process** (requests and their latency, Celery task retries and failures) are
  prometheus-client counters and histograms. gunicorn and uvicorn run several worker
  processes and a scrape reaches one of them, so with ``PROMETHEUS_MULTIPROC_DIR`` set (the
  Procfile sets it) every process writes its values to files there and the scrape sums the
  files of every process of the host: prometheus-client's multiprocess mode. Without it
  (``make run``, tests) the process's own values are shown.
- **State in the database** (the outbox, emails and notices by status, delivery retries, live
  websocket subscribers per process) is read from PostgreSQL at scrape time by
  ``DatabaseCollector``. It is the same whichever process answers, counts what every host
  did, and survives restarts. It costs ten aggregate queries per scrape.
"""

import hmac
import os
import time
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db.models import Count, Min, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.deprecation import MiddlewareMixin
from django.views.decorators.http import require_GET
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from notifications.models import EmailLog, LiveWatcher
from notifications.services import count_emails_not_logged
from orders.models import OrderEvent
from warehouse.models import WarehouseNotice
from warehouse.services import count_notices_not_recorded

REQUESTS = Counter(
    "shop_http_requests",
    "HTTP requests answered, by method, view and status.",
    ["method", "view", "status"],
)
LATENCY = Histogram(
    "shop_http_request_duration_seconds",
    "Time from the request entering Django to its response, by method and view.",
    ["method", "view"],
)
TASK_RETRIES = Counter("shop_celery_task_retries", "Celery task retries, by task.", ["task"])
TASK_FAILURES = Counter(
    "shop_celery_task_failures", "Celery tasks that raised and will not retry, by task.", ["task"]
)
# A request no URL pattern matched (a 404, a static file served by WhiteNoise): one label
# for all, so a scanner probing random paths cannot create a series per path.
UNRESOLVED = "unresolved"
COUNT_TASK_RETRY_UID = "shop.count_task_retry"
COUNT_TASK_FAILURE_UID = "shop.count_task_failure"


class TimedRequest(HttpRequest):
    """A request as ``MetricsMiddleware`` leaves it: when it started, declared."""

    metrics_started: float


class MetricsMiddleware(MiddlewareMixin):
    """Count every request and time it, labelled by the view that answered it (bounded)."""

    def process_request(self, request: TimedRequest) -> None:
        request.metrics_started = time.perf_counter()

    def process_response(self, request: TimedRequest, response: HttpResponse) -> HttpResponse:
        match = request.resolver_match
        view = (match.view_name or match.route) if match else UNRESOLVED
        LATENCY.labels(request.method, view).observe(time.perf_counter() - request.metrics_started)
        REQUESTS.labels(request.method, view, str(response.status_code)).inc()
        return response


def count_task_retry(sender: Any = None, request: Any = None, **kwargs: Any) -> None:
    """Celery ``task_retry``: the task asked to run again (``self.retry`` or autoretry)."""
    TASK_RETRIES.labels(request.task if request is not None else UNRESOLVED).inc()


def count_task_failure(sender: Any = None, **kwargs: Any) -> None:
    """Celery ``task_failure``: the task raised and has no retry left."""
    TASK_FAILURES.labels(sender.name if sender is not None else UNRESOLVED).inc()


class DatabaseCollector(Collector):
    """The workflow's state, read from the database at each scrape."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        pending = OrderEvent.objects.filter(dispatched_at__isnull=True).aggregate(
            count=Count("pk"), oldest=Min("created_at")
        )
        yield GaugeMetricFamily(
            "shop_order_events_pending",
            "Order events not yet dispatched to every receiver (the outbox).",
            value=pending["count"],
        )
        age = (timezone.now() - pending["oldest"]).total_seconds() if pending["oldest"] else 0
        yield GaugeMetricFamily(
            "shop_order_events_oldest_pending_age_seconds",
            "Age of the oldest undispatched order event; 0 when none is pending.",
            value=age,
        )
        yield by_status(
            "shop_email_logs",
            "Customer emails by delivery status; pending counts those not logged yet too.",
            EmailLog,
            not_recorded=count_emails_not_logged(),
        )
        yield by_status(
            "shop_warehouse_notices",
            "Warehouse notices by delivery status; pending counts those not recorded yet too.",
            WarehouseNotice,
            not_recorded=count_notices_not_recorded(),
        )
        retries = GaugeMetricFamily(
            "shop_delivery_retries",
            "Delivery attempts after the first, over every email or notice row, by kind.",
            labels=["kind"],
        )
        for kind, model in (("email", EmailLog), ("warehouse_notice", WarehouseNotice)):
            retried = model.objects.filter(attempts__gt=1).aggregate(
                attempts=Sum("attempts"), rows=Count("pk")
            )
            retries.add_metric([kind], (retried["attempts"] or 0) - retried["rows"])
        yield retries
        watchers = GaugeMetricFamily(
            "shop_websocket_subscribers",
            "Open websocket subscriptions, by the server process that holds them.",
            labels=["process"],
        )
        for row in LiveWatcher.objects.values("process").annotate(count=Count("pk")):
            watchers.add_metric([row["process"]], row["count"])
        yield watchers


def by_status(
    name: str, documentation: str, model: type[EmailLog | WarehouseNotice], *, not_recorded: int
):
    """The rows by status; ``not_recorded`` (owed, their task not run yet) are pending too:
    the receivers only enqueue, so a stopped worker would otherwise show nothing waiting."""
    family = GaugeMetricFamily(name, documentation, labels=["status"])
    counts = dict.fromkeys(model.Status.values, 0)
    counts.update(model.objects.values_list("status").annotate(count=Count("pk")).order_by())
    counts[model.Status.PENDING] += not_recorded
    for status, count in counts.items():
        family.add_metric([status], count)
    return family


DATABASE_REGISTRY = CollectorRegistry()
DATABASE_REGISTRY.register(DatabaseCollector())


def process_registry() -> CollectorRegistry:
    """Every process's counters (multiprocess mode), or this process's own."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


def bearer_matches(request: HttpRequest, token: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.encode(), token.encode())


@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    """With ``METRICS_TOKEN`` set, only for ``Authorization: Bearer <token>``; without it, for
    anyone outside production and absent in production."""
    token = settings.METRICS_TOKEN
    if not token and settings.PRODUCTION:
        raise Http404("No metrics without METRICS_TOKEN in production.")
    if token and not bearer_matches(request, token):
        response = HttpResponse("Unauthorized: send Authorization: Bearer <METRICS_TOKEN>.\n")
        response.status_code = 401
        response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    body = generate_latest(process_registry()) + generate_latest(DATABASE_REGISTRY)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)
