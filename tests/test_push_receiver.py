"""The websocket push receiver: each order event reaches the order's, customer's and staff group.

Runs on the in-memory channel layer by default and on Redis when REDIS_URL is set.
"""

import pytest

from notifications.groups import STAFF_GROUP, customer_group, order_group
from notifications.receivers import PUSH_UID
from orders.models import OrderEvent
from orders.services import OrderLine, cancel_order, place_order, ship_order
from tests.channel_layer import drain, join
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _push_receiver_only(only_receivers):
    only_receivers(PUSH_UID)


def test_shipping_pushes_one_message_to_each_group(
    order, staff, django_capture_on_commit_callbacks
):
    channels = join(order_group(order.pk), customer_group(order.customer_id), STAFF_GROUP)

    with django_capture_on_commit_callbacks(execute=True):
        ship_order(order=order, shipped_by=staff, carrier="dhl", tracking_number="JD01460000")

    event = OrderEvent.objects.get(order=order, type="shipped")
    expected = {
        "type": "order.shipped",
        "event_id": event.pk,
        "order_id": order.pk,
        "order_number": order.number,
        "status": "shipped",
        "carrier": "dhl",
        "tracking_number": "JD01460000",
        "tracking_url": event.payload["tracking_url"],
        "shipped_at": event.payload["shipped_at"],
    }
    assert drain(channels) == {group: [expected] for group in channels}


def test_other_orders_groups_hear_nothing(
    order, other_customer, staff, django_capture_on_commit_callbacks
):
    channels = join(order_group(order.pk + 1000), customer_group(other_customer.pk))

    with django_capture_on_commit_callbacks(execute=True):
        ship_order(order=order, shipped_by=staff, carrier="dhl", tracking_number="JD01460001")

    assert drain(channels) == {group: [] for group in channels}


def test_placed_and_cancelled_orders_are_pushed_with_their_own_type(
    customer, django_capture_on_commit_callbacks
):
    channels = join(customer_group(customer.pk))
    product = ProductFactory()

    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(
            customer=customer, lines=[OrderLine(product.pk, 1)], shipping_address="x"
        )
    with django_capture_on_commit_callbacks(execute=True):
        cancel_order(order=order, cancelled_by=customer)

    [messages] = drain(channels).values()
    assert [(m["type"], m["status"], m["order_id"]) for m in messages] == [
        ("order.placed", "placed", order.pk),
        ("order.cancelled", "cancelled", order.pk),
    ]
    assert messages[0]["event_id"] < messages[1]["event_id"]
