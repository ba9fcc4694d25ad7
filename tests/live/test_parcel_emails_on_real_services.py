"""Two parcels through the API and the signed carrier ingest on real services (PostgreSQL,
Redis, a Celery worker, an SMTP server): each parcel's shipped, out-for-delivery and delivered
emails reach the SMTP server exactly once, replays and repeated statuses included."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from notifications.models import EmailLog
from orders.carriers import sign
from orders.models import Order
from tests.factories import OrderFactory
from tests.support.clients import client_for
from tests.support.live_services import wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

SECRET = "live-ups-secret"


def carrier_event(client: APIClient, event_id: str, tracking: str, status: str, minutes: int):
    body = json.dumps(
        {
            "event_id": event_id,
            "tracking_number": tracking,
            "status": status,
            "occurred_at": (timezone.now() - timedelta(minutes=minutes)).isoformat(),
        }
    ).encode()
    return client.post(
        "/api/carriers/ups/events/",
        body,
        content_type="application/json",
        HTTP_X_CARRIER_SIGNATURE=sign(secret=SECRET, body=body),
    )


def test_each_parcel_is_emailed_exactly_once_per_step(
    celery_worker_process, smtp_inbox, staff, settings
):
    settings.CARRIER_WEBHOOK_SECRETS = {"ups": SECRET}
    order = OrderFactory.create(items=2)
    first_item = order.items.first()
    assert first_item is not None
    staff_client, carrier = client_for(staff), APIClient()
    url = f"/api/orders/{order.pk}/ship/"
    lines = [{"item": first_item.pk, "quantity": first_item.quantity}]
    parcels = ("1Z0000LIVE1", "1Z0000LIVE2")
    ship = {"carrier": "ups", "tracking_number": parcels[0], "lines": lines}
    assert staff_client.post(url, ship, format="json").status_code == 200
    rest = {"carrier": "ups", "tracking_number": parcels[1]}
    assert staff_client.post(url, rest, format="json").status_code == 200

    for tracking in parcels:
        steps = [("out_for_delivery", 20), ("exception", 15), ("out_for_delivery", 10)]
        for number, (status, minutes) in enumerate([*steps, ("delivered", 5)]):
            event_id = f"{tracking}-{number}"
            assert carrier_event(carrier, event_id, tracking, status, minutes).status_code == 202
            assert carrier_event(carrier, event_id, tracking, status, minutes).status_code == 200

    wait_for(
        lambda: EmailLog.objects.filter(status="sent").count() == 6,
        what="the worker to send six customer emails",
    )
    # The two warehouse notices and the six customer emails; nothing more arrives.
    wait_for(lambda: len(smtp_inbox.messages) >= 8, what="eight messages at the SMTP server")
    customer_mail = [m for m in smtp_inbox.messages if m["To"] == order.customer.email]
    subjects = sorted(m["Subject"] for m in customer_mail)
    assert len(subjects) == 6
    assert sum("out for delivery" in subject for subject in subjects) == 2
    assert sum("was delivered" in subject for subject in subjects) == 2
    assert Order.objects.get(pk=order.pk).status == "delivered"
    assert len(smtp_inbox.messages) == 8
