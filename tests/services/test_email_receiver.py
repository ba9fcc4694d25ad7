"""The shipment email receiver and its delivery task, with the other receivers disconnected."""

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives

from notifications.models import EmailLog
from notifications.receivers import QUEUE_SHIPMENT_EMAIL_UID
from notifications.tasks import deliver_email
from orders.dispatch import dispatch_event
from orders.models import OrderEvent
from tests.factories import OrderFactory, UserFactory
from warehouse.models import WarehouseNotice

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _email_receiver_only(only_receivers):
    only_receivers(QUEUE_SHIPMENT_EMAIL_UID)


FEDEX = {"carrier": "fedex", "tracking_number": "7489-2212"}


def test_shipping_sends_one_email_with_the_tracking_link(order, ship):
    ship(order, **FEDEX)
    event = OrderEvent.objects.get(order=order, type="shipped")

    email_log = EmailLog.objects.get()
    assert email_log.event == event
    assert email_log.status == EmailLog.Status.SENT
    assert email_log.attempts == 1
    assert email_log.sent_at is not None
    [message] = mail.outbox
    assert message.to == [order.customer.email]
    assert order.number in message.subject
    tracking_url = "https://www.fedex.com/fedextrack/?trknbr=7489-2212"
    assert tracking_url in message.body
    assert isinstance(message, EmailMultiAlternatives)
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert isinstance(html, str)
    assert f'href="{tracking_url}"' in html
    assert not WarehouseNotice.objects.exists(), "the warehouse receiver is disconnected"


def test_notify_customer_false_sends_nothing(order, ship):
    ship(order, **FEDEX, notify_customer=False)

    assert not EmailLog.objects.exists()
    assert mail.outbox == []


def test_customer_without_address_is_logged_as_failed(ship):
    order = OrderFactory.create(customer=UserFactory.create(email=""))

    ship(order, **FEDEX)

    email_log = EmailLog.objects.get()
    assert email_log.status == EmailLog.Status.FAILED
    assert "no email address" in email_log.last_error
    assert mail.outbox == []


def test_redelivering_the_event_or_the_task_sends_nothing_more(
    order, ship, django_capture_on_commit_callbacks
):
    ship(order, **FEDEX)
    event = OrderEvent.objects.get(order=order, type="shipped")
    OrderEvent.objects.filter(pk=event.pk).update(dispatched_at=None)

    with django_capture_on_commit_callbacks(execute=True):
        dispatch_event(event_id=event.pk)
    deliver_email.delay(EmailLog.objects.get().pk)

    assert EmailLog.objects.count() == 1
    assert EmailLog.objects.get().attempts == 1
    assert len(mail.outbox) == 1
