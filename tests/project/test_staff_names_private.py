"""Customers never see which staff member shipped or cancelled their order; staff do.

Every customer-facing view of an event is checked: the timeline API, the tracking page, the
email and the websocket message.
"""

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives

from notifications.messages import order_event_message
from orders.services import cancel_order
from tests.factories import DEFAULT_PASSWORD, OrderFactory

pytestmark = pytest.mark.django_db


def timeline_payloads(client, order) -> list[dict]:
    response = client.get(f"/api/orders/{order.pk}/events/")
    assert response.status_code == 200
    return [event["payload"] for event in response.json()]


def test_the_customer_timeline_names_no_staff(customer_client, shipped_order, staff):
    cancelled = OrderFactory.create(customer=shipped_order.customer)
    cancel_order(order=cancelled, cancelled_by=staff)

    for order in (shipped_order, cancelled):
        payloads = timeline_payloads(customer_client, order)
        assert all("shipped_by" not in p and "cancelled_by" not in p for p in payloads)
        assert staff.username not in str(payloads)
    tracking_number = shipped_order.shipments.get().tracking_number
    assert (
        timeline_payloads(customer_client, shipped_order)[-1]["tracking_number"] == tracking_number
    )


def test_staff_see_who_shipped_and_cancelled(staff_client, shipped_order, staff, customer):
    cancelled = OrderFactory.create(customer=customer)
    cancel_order(order=cancelled, cancelled_by=customer)

    assert timeline_payloads(staff_client, shipped_order)[-1]["shipped_by"] == staff.username
    assert timeline_payloads(staff_client, cancelled)[-1]["cancelled_by"] == customer.username


def test_the_tracking_page_names_no_staff(client, shipped_order, customer, staff):
    client.login(username=customer.username, password=DEFAULT_PASSWORD)
    page = client.get(f"/orders/{shipped_order.pk}/track/")
    assert page.status_code == 200
    assert staff.username not in page.text


def test_the_email_names_no_staff(shipped_order, staff):
    [email] = [message for message in mail.outbox if message.to == [shipped_order.customer.email]]
    assert isinstance(email, EmailMultiAlternatives)
    bodies = [email.subject, email.body]
    for content, _type in email.alternatives:
        assert isinstance(content, str)  # the HTML part
        bodies.append(content)
    assert all(staff.username not in body for body in bodies)


def test_the_websocket_message_names_no_staff(shipped_order, staff):
    for event in shipped_order.events.all():
        message = order_event_message(event)
        assert staff.username not in str(message)
