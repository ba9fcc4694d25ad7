"""Endpoints, their secrets, and deliveries: created once per (endpoint, event), then sent.

Sending follows ``delivery.attempts``: claim the row in one UPDATE, POST with no transaction
or lock held, then record the attempt and the outcome in one transaction. Services never
enqueue tasks; the receiver, the tasks and the admin do.
"""

import json
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from rest_framework import serializers

from delivery import attempts
from orders.models import Order, OrderEvent, Shipment
from orders.selectors import with_details
from orders.serializers import OrderSerializer, ShipmentSerializer
from webhooks import schedule, signing, ssrf, transport
from webhooks.events import EVENT_TYPES, TEST_EVENT, subscribed
from webhooks.models import Attempt, Delivery, Endpoint

logger = logging.getLogger(__name__)

ROTATION_OVERLAP = timedelta(hours=24)
DISABLED_ENDPOINT_ERROR = "The endpoint is disabled."


# --- Endpoints --------------------------------------------------------------------------------


def create_endpoint(*, url: str, events: list[str], description: str, created_by: User) -> Endpoint:
    """Register an endpoint with a new secret; raise ``ssrf.UnsafeURL`` for a refused URL."""
    ssrf.check(url)
    return Endpoint.objects.create(
        url=url,
        events=events,
        description=description,
        secret=signing.new_secret(),
        created_by=created_by,
    )


def update_endpoint(*, endpoint: Endpoint, **changes) -> Endpoint:
    """Change ``url``, ``events``, ``description`` or ``active``; a new URL is checked again,
    and enabling an endpoint clears why it was disabled and its failure window."""
    if "url" in changes and changes["url"] != endpoint.url:
        ssrf.check(changes["url"])
    if changes.get("active") and not endpoint.active:
        changes.update(disabled_reason="", failing_since=None, enabled_at=timezone.now())
    for field, value in changes.items():
        setattr(endpoint, field, value)
    endpoint.save()
    return endpoint


def delete_endpoint(*, endpoint_id: int) -> None:
    """Delete the endpoint and its deliveries, with its row locked first.

    A task creating deliveries for it concurrently then waits for the delete and fails on the
    missing endpoint (to be retried and find nothing), instead of committing a delivery
    between the delete's collection and its commit, which would fail the delete.
    """
    with transaction.atomic():
        Endpoint.objects.select_for_update().get(pk=endpoint_id).delete()


def set_active(*, endpoint_ids: list[int], active: bool) -> int:
    """Enable or disable endpoints (the admin's actions); return how many changed."""
    endpoints = Endpoint.objects.filter(pk__in=endpoint_ids).exclude(active=active)
    if active:
        return endpoints.update(
            active=True, disabled_reason="", failing_since=None, enabled_at=timezone.now()
        )
    return endpoints.update(active=False, disabled_reason="Disabled by staff.")


def rotate_secret(*, endpoint_id: int) -> Endpoint:
    """Give the endpoint a new secret; the current one keeps signing beside it for a day."""
    with transaction.atomic():
        endpoint = Endpoint.objects.select_for_update().get(pk=endpoint_id)
        endpoint.previous_secret = endpoint.secret
        endpoint.previous_secret_expires_at = timezone.now() + ROTATION_OVERLAP
        endpoint.secret = signing.new_secret()
        endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at"])
    return endpoint


def signing_secrets(endpoint: Endpoint) -> list[str]:
    """The secrets that sign now: the current one, and the previous one during its overlap."""
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires and expires > timezone.now():
        return [endpoint.secret, endpoint.previous_secret]
    return [endpoint.secret]


# --- Deliveries: creation ---------------------------------------------------------------------


def create_deliveries(*, event_id: int, shipment_id: int | None = None) -> list[int]:
    """A delivery of the event for every active endpoint subscribed to it, created once
    (the unique (endpoint, event)); return the ids of the event's pending deliveries.

    Run again by a duplicate task, the re-dispatch or the sweep, it creates nothing new.
    """
    active = list(Endpoint.objects.filter(active=True))
    if not active:  # the common case of a shop with no webhooks: one query
        return []
    event = OrderEvent.objects.get(pk=event_id)
    event_type = EVENT_TYPES[event.type]
    endpoints = [endpoint for endpoint in active if subscribed(endpoint.events, event_type)]
    if endpoints:
        body = _event_body(event, event_type, shipment_id)
        Delivery.objects.bulk_create(
            [
                Delivery(
                    endpoint=endpoint,
                    event=event,
                    order_id=event.order_id,
                    event_type=event_type,
                    body=body,
                )
                for endpoint in endpoints
            ],
            ignore_conflicts=True,
        )
    pending = Delivery.objects.filter(event=event, status=Delivery.Status.PENDING)
    return list(pending.values_list("pk", flat=True))


def _event_body(event: OrderEvent, event_type: str, shipment_id: int | None) -> str:
    """The JSON sent: the order and the shipment as the REST API represents them."""
    order = with_details(Order.objects.all()).get(pk=event.order_id)
    data: dict = {"order": OrderSerializer(order).data}
    if shipment_id is not None:
        data["shipment"] = ShipmentSerializer(Shipment.objects.get(pk=shipment_id)).data
    return _dumps({"type": event_type, "timestamp": _api_time(event.created_at), "data": data})


def _api_time(moment: datetime) -> str:
    """A time as the REST API writes it (ISO 8601, microseconds, ``Z``)."""
    return serializers.DateTimeField().to_representation(moment)


def _dumps(value: dict) -> str:
    return json.dumps(value, cls=DjangoJSONEncoder, separators=(",", ":"))


def event_shipment_id_of(*, event_id: int) -> int | None:
    """The shipment a stored event concerns (for the sweep, which has no signal arguments):
    the parcel of a ``shipped`` or ``shipment_updated`` event, none for the others."""
    return OrderEvent.objects.values_list("shipment_id", flat=True).get(pk=event_id)


def events_missing_deliveries(*, limit: int = 1000) -> list[int]:
    """Events dispatched over OUTBOX_STALE_AFTER ago, while an active endpoint subscribed to
    them was enabled, that it has no delivery of: their task was accepted, then lost. Events
    from before it was registered or while it was disabled are not its to receive."""
    cutoff = timezone.now() - timedelta(seconds=settings.OUTBOX_STALE_AFTER)
    missing: set[int] = set()
    for endpoint in Endpoint.objects.filter(active=True):
        types = [
            order_type
            for order_type, webhook_type in EVENT_TYPES.items()
            if subscribed(endpoint.events, webhook_type)
        ]
        delivered = Delivery.objects.filter(endpoint=endpoint, event=OuterRef("pk"))
        events = (
            OrderEvent.objects.filter(
                type__in=types,
                dispatched_at__lte=cutoff,
                dispatched_at__gte=endpoint.enabled_at,
            )
            .filter(~Exists(delivered))
            .order_by("id")
        )
        missing.update(events.values_list("pk", flat=True)[:limit])
    return sorted(missing)[:limit]


def create_test_delivery(*, endpoint_id: int) -> int:
    """A ``webhook.test`` delivery to the endpoint (the admin's action); return its id."""
    endpoint = Endpoint.objects.get(pk=endpoint_id)
    body = _dumps(
        {
            "type": TEST_EVENT,
            "timestamp": _api_time(timezone.now()),
            "data": {"endpoint": {"id": endpoint.pk, "url": endpoint.url}},
        }
    )
    return Delivery.objects.create(endpoint=endpoint, event_type=TEST_EVENT, body=body).pk


def reopen_deliveries(*, delivery_ids: list[int]) -> list[int]:
    """Make deliveries due for one more attempt, whatever their status (the retry); the
    caller enqueues them. The ``webhook-id`` stays, so the receiver sees the same message."""
    ids = list(Delivery.objects.filter(pk__in=delivery_ids).values_list("pk", flat=True))
    Delivery.objects.filter(pk__in=ids).update(
        status=Delivery.Status.PENDING,
        next_attempt_at=timezone.now(),
        max_attempts=F("attempts") + 1,
    )
    Delivery.objects.filter(pk__in=ids, max_attempts__lt=schedule.ATTEMPTS).update(
        max_attempts=schedule.ATTEMPTS
    )
    return ids


# --- Deliveries: sending ----------------------------------------------------------------------


def deliver(*, delivery_id: int) -> float | None:
    """One attempt; return the seconds until the next one, or None (succeeded, failed for
    good, or not this worker's: not pending, not due, or claimed by another)."""
    attempt = attempts.claim(Delivery, delivery_id)
    if attempt is None:
        return None
    delivery = Delivery.objects.select_related("endpoint").get(pk=delivery_id)
    endpoint = delivery.endpoint
    if not endpoint.active:
        Delivery.objects.filter(pk=delivery_id).update(
            status=Delivery.Status.FAILED, last_error=DISABLED_ENDPOINT_ERROR, claimed_until=None
        )
        return None
    attempted_at = timezone.now()
    outcome = _post(delivery, endpoint, attempted_at)
    return _record(delivery, attempt=attempt, attempted_at=attempted_at, outcome=outcome)


def _post(delivery: Delivery, endpoint: Endpoint, attempted_at: datetime) -> transport.Outcome:
    """Check the URL again, against what it resolves to now, then POST to that address."""
    try:
        target = ssrf.check(endpoint.url)
    except ssrf.UnsafeURL as exc:
        return transport.Outcome(None, 0, f"Refused: {exc}"[:500], b"")
    headers = signing.headers(
        webhook_id=delivery.webhook_id,
        timestamp=attempted_at,
        body=delivery.body,
        secrets_=signing_secrets(endpoint),
    )
    return transport.post(
        target, body=delivery.body.encode(), headers=headers, timeout=settings.WEBHOOKS_TIMEOUT
    )


def _record(
    delivery: Delivery, *, attempt: int, attempted_at: datetime, outcome: transport.Outcome
) -> float | None:
    """Store the attempt, the delivery's new state and the endpoint's failure window, in one
    transaction retried through a database outage: the POST happened, so it must be logged."""
    succeeded = not outcome.error
    if succeeded:
        status, delay = Delivery.Status.SUCCEEDED, None
    elif attempt >= delivery.max_attempts:
        status, delay = Delivery.Status.FAILED, None
    else:
        status, delay = Delivery.Status.PENDING, schedule.delay_after(attempt)
    attempts.patiently(lambda: _store(delivery, attempted_at, outcome, status, delay))
    if not succeeded:
        logger.warning(
            "Webhook %s to endpoint %s: attempt %s failed: %s",
            delivery.webhook_id,
            delivery.endpoint_id,
            attempt,
            outcome.error,
        )
    return delay


def _store(
    delivery: Delivery,
    attempted_at: datetime,
    outcome: transport.Outcome,
    status: str,
    delay: int | None,
) -> None:
    now = timezone.now()
    succeeded = status == Delivery.Status.SUCCEEDED
    with transaction.atomic():
        Attempt.objects.create(
            delivery=delivery,
            attempted_at=attempted_at,
            status_code=outcome.status_code,
            duration_ms=outcome.duration_ms,
            error=outcome.error,
            response_excerpt=_text(outcome.excerpt),
        )
        Delivery.objects.filter(pk=delivery.pk).update(
            status=status,
            last_error=outcome.error,
            claimed_until=None,
            next_attempt_at=now + timedelta(seconds=delay or 0),
            succeeded_at=now if succeeded else None,
        )
        endpoint = Endpoint.objects.select_for_update().get(pk=delivery.endpoint_id)
        if succeeded:
            endpoint.failing_since = None
        else:
            _note_failure(endpoint, now)
        endpoint.save(update_fields=["failing_since", "active", "disabled_reason"])


def _text(excerpt: bytes) -> str:
    """The excerpt as text PostgreSQL can store: it refuses NUL in a text column."""
    return excerpt.decode("utf-8", "replace").replace("\x00", "\ufffd")


def _note_failure(endpoint: Endpoint, now: datetime) -> None:
    """Start the endpoint's failure window, or disable it once the window is long enough."""
    if endpoint.failing_since is None:
        endpoint.failing_since = now
        return
    window = timedelta(seconds=settings.WEBHOOKS_DISABLE_AFTER)
    if endpoint.active and now - endpoint.failing_since >= window:
        endpoint.active = False
        endpoint.disabled_reason = (
            f"Disabled automatically: every delivery failed from "
            f"{endpoint.failing_since:%Y-%m-%d %H:%M} UTC on, for "
            f"{window.total_seconds() / 86400:g} days."
        )
