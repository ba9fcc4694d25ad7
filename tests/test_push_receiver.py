"""The websocket push receiver: each order event reaches the order's, customer's and staff group.

Runs on the in-memory channel layer by default and on Redis when REDIS_URL is set.
"""

import asyncio

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from notifications.groups import STAFF_GROUP, customer_group, order_group
from notifications.receivers import PUSH_UID
from orders.models import OrderEvent
from orders.services import OrderLine, cancel_order, place_order, ship_order
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _push_receiver_only(only_receivers):
    only_receivers(PUSH_UID)


@pytest.fixture
def subscribe():
    """Join one fresh channel to each given group; returns a function that reads them."""
    layer = get_channel_layer()
    joined: list[tuple[str, str]] = []

    async def join(groups):
        channels = {}
        for group in groups:
            channel = await layer.new_channel()
            await layer.group_add(group, channel)
            joined.append((group, channel))
            channels[group] = channel
        return channels

    yield lambda *groups: async_to_sync(join)(groups)

    async def leave():
        for group, channel in joined:
            await layer.group_discard(group, channel)

    async_to_sync(leave)()


async def _drain(channel: str, timeout: float = 0.5) -> list[dict]:
    """Every message waiting on the channel, stopping once none arrives within ``timeout``."""
    layer = get_channel_layer()
    messages = []
    while True:
        try:
            messages.append(await asyncio.wait_for(layer.receive(channel), timeout))
        except TimeoutError:
            return messages


def drain(channel: str) -> list[dict]:
    return async_to_sync(_drain)(channel)


def test_shipping_pushes_one_message_to_each_group(
    order, staff, subscribe, django_capture_on_commit_callbacks
):
    groups = (order_group(order.pk), customer_group(order.customer_id), STAFF_GROUP)
    channels = subscribe(*groups)

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
    for group in groups:
        assert drain(channels[group]) == [expected], group


def test_other_orders_groups_hear_nothing(
    order, other_customer, staff, subscribe, django_capture_on_commit_callbacks
):
    channels = subscribe(order_group(order.pk + 1000), customer_group(other_customer.pk))

    with django_capture_on_commit_callbacks(execute=True):
        ship_order(order=order, shipped_by=staff, carrier="dhl", tracking_number="JD01460001")

    assert all(drain(channel) == [] for channel in channels.values())


def test_placed_and_cancelled_orders_are_pushed_with_their_own_type(
    customer, subscribe, django_capture_on_commit_callbacks
):
    channel = subscribe(customer_group(customer.pk))[customer_group(customer.pk)]
    product = ProductFactory()

    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(
            customer=customer, lines=[OrderLine(product.pk, 1)], shipping_address="x"
        )
    with django_capture_on_commit_callbacks(execute=True):
        cancel_order(order=order, cancelled_by=customer)

    messages = drain(channel)
    assert [(m["type"], m["status"], m["order_id"]) for m in messages] == [
        ("order.placed", "placed", order.pk),
        ("order.cancelled", "cancelled", order.pk),
    ]
    assert messages[0]["event_id"] < messages[1]["event_id"]
