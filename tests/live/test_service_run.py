"""The whole ship flow on real services: PostgreSQL, Redis, a Celery worker, an SMTP server.

Shipping through the API yields one shipment, one ``shipped`` event, one email sent by the
worker to the SMTP server, one warehouse notice and one channel-layer message per group.
"""

import pytest

from notifications.channel_groups import (
    STAFF_CHANNEL_GROUP,
    customer_channel_group,
    order_channel_group,
)
from notifications.models import EmailLog
from orders.models import OrderEvent, Shipment
from tests.factories import OrderFactory
from tests.support.channel_layer import drain, join
from tests.support.clients import client_for
from tests.support.live_services import wait_for
from warehouse.models import WarehouseNotice

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

SHIP = {"tracking_number": "1Z999AA10123456784", "carrier": "ups"}


def test_ship_through_the_api_on_real_services(celery_worker_process, smtp_inbox, staff):
    order = OrderFactory.create(items=2)
    groups = (
        order_channel_group(order.pk),
        customer_channel_group(order.customer_id),
        STAFF_CHANNEL_GROUP,
    )
    channels = join(*groups)
    client = client_for(staff)

    response = client.post(f"/api/orders/{order.pk}/ship/", SHIP, format="json")

    assert response.status_code == 200, response.content
    email_log = wait_for(
        lambda: EmailLog.objects.filter(event__order=order, status="sent").first(),
        what="the worker to send the customer email",
    )
    notice = wait_for(
        lambda: WarehouseNotice.objects.filter(order=order, status="sent").first(),
        what="the worker to send the warehouse notice",
    )
    wait_for(lambda: len(smtp_inbox.messages) >= 2, what="two messages at the SMTP server")

    event = OrderEvent.objects.get(order=order, type="shipped")
    assert event.dispatched_at is not None
    assert Shipment.objects.filter(order=order).count() == 1
    assert email_log.attempts == 1
    assert len(notice.items) == 2
    by_recipient = {message["To"]: message for message in smtp_inbox.messages}
    assert set(by_recipient) == {order.customer.email, "warehouse@shop.example"}
    customer_mail = by_recipient[order.customer.email]
    text, html = (
        part.get_payload(decode=True).decode()
        for part in customer_mail.walk()
        if part.get_content_maintype() == "text"
    )
    assert "https://www.ups.com/track?tracknum=1Z999AA10123456784" in text
    assert 'href="https://www.ups.com/track?tracknum=1Z999AA10123456784"' in html

    again = client.post(
        f"/api/orders/{order.pk}/ship/", {**SHIP, "tracking_number": "OTHER-1"}, format="json"
    )

    assert again.status_code == 409
    assert Shipment.objects.get(order=order).tracking_number == SHIP["tracking_number"]
    assert OrderEvent.objects.filter(order=order).count() == 1
    assert EmailLog.objects.filter(event__order=order).count() == 1
    assert WarehouseNotice.objects.filter(order=order).count() == 1
    assert len(smtp_inbox.messages) == 2
    pushed = drain(channels)
    assert {
        group: [(m["type"], m["event_id"]) for m in messages] for group, messages in pushed.items()
    } == {group: [("order.shipped", event.pk)] for group in groups}, (
        "exactly one push per group, none for the refused second ship"
    )
