"""The websocket push receiver: each order event reaches the order's, customer's and staff group.

The dispatcher's ``send_robust`` (sync) and ``asend_robust`` (async, which runs the sync
receiver in a thread) must push the same messages and report a failure the same way. Runs on
the in-memory channel layer by default and on Redis when REDIS_URL is set.
"""

import pytest
from asgiref.sync import async_to_sync
from redis.exceptions import ConnectionError as RedisConnectionError

from notifications.channel_groups import (
    STAFF_CHANNEL_GROUP,
    customer_channel_group,
    order_channel_group,
)
from notifications.receivers import PUSH_ORDER_EVENT_UID, push_order_event
from orders.dispatch import dispatch_event
from orders.models import Order, OrderEvent
from orders.services import OrderLine, cancel_order, place_order, ship_order
from orders.signals import order_shipped
from shop.api.timestamps import display
from tests.factories import ProductFactory
from tests.support.channel_layer import drain, join
from tests.support.live_services import free_port

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _push_receiver_only(only_receivers):
    only_receivers(PUSH_ORDER_EVENT_UID)


def test_shipping_pushes_one_message_to_each_group(
    order, staff, django_capture_on_commit_callbacks
):
    channels = join(
        order_channel_group(order.pk),
        customer_channel_group(order.customer_id),
        STAFF_CHANNEL_GROUP,
    )

    with django_capture_on_commit_callbacks(execute=True):
        ship_order(order_id=order.pk, shipped_by=staff, carrier="dhl", tracking_number="JD01460000")

    event = OrderEvent.objects.get(order=order, type="shipped")
    expected = {
        "type": "order.shipped",
        "event_id": event.pk,
        "position": event.position,
        "order_previous": 0,
        "customer_previous": 0,
        "order_id": order.pk,
        "order_number": order.number,
        "status": "shipped",
        "created_at": event.created_at.isoformat(),
        "created_at_display": display(event.created_at),
        "shipment_id": event.shipment_id,
        "lines": [
            {"item": line["item"], "sku": line["sku"], "quantity": line["quantity"]}
            for line in event.payload["lines"]
        ],
        "carrier": "dhl",
        "tracking_number": "JD01460000",
        "tracking_url": event.payload["tracking_url"],
        "shipped_at": event.payload["shipped_at"],
    }
    assert drain(channels) == {group: [expected] for group in channels}


def test_other_orders_groups_hear_nothing(
    order, other_customer, staff, django_capture_on_commit_callbacks
):
    channels = join(order_channel_group(order.pk + 1000), customer_channel_group(other_customer.pk))

    with django_capture_on_commit_callbacks(execute=True):
        ship_order(order_id=order.pk, shipped_by=staff, carrier="dhl", tracking_number="JD01460001")

    assert drain(channels) == {group: [] for group in channels}


def test_placed_and_cancelled_orders_are_pushed_with_their_own_type(
    customer, django_capture_on_commit_callbacks
):
    channels = join(customer_channel_group(customer.pk))
    product = ProductFactory.create()

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
    placed, cancelled = OrderEvent.objects.filter(order=order).order_by("position")
    assert [(m["position"], m["order_previous"]) for m in messages] == [
        (placed.position, 0),
        (cancelled.position, placed.position),
    ]


def shipped_signal_kwargs(order, staff) -> dict:
    """Ship with no receivers reacting yet, and return what the dispatcher would send."""
    ship_order(order_id=order.pk, shipped_by=staff, carrier="ups", tracking_number="1Z0001")
    event = OrderEvent.objects.get(order=order, type="shipped")
    return {"order": order, "shipment": order.shipments.get(), "event": event}


def send_sync(kwargs: dict) -> list:
    return order_shipped.send_robust(sender=Order, **kwargs)


def send_async(kwargs: dict) -> list:
    return async_to_sync(order_shipped.asend_robust)(sender=Order, **kwargs)


def test_send_robust_and_asend_robust_push_the_same_messages(order, staff):
    kwargs = shipped_signal_kwargs(order, staff)
    groups = (
        order_channel_group(order.pk),
        customer_channel_group(order.customer_id),
        STAFF_CHANNEL_GROUP,
    )

    received = []
    for send in (send_sync, send_async):
        channels = join(*groups)
        assert send(kwargs) == [(push_order_event, None)]
        received.append(drain(channels))

    by_sync, by_async = received
    assert by_sync == by_async
    assert [message["event_id"] for message in by_sync[STAFF_CHANNEL_GROUP]] == [kwargs["event"].pk]


@pytest.fixture
def channel_layer_down(settings) -> None:
    """A Redis channel layer on a port nothing listens on. Channels drops its cached layer
    when CHANNEL_LAYERS changes (its own setting_changed receiver)."""
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [f"redis://127.0.0.1:{free_port()}/0"]},
        }
    }


@pytest.mark.parametrize("send", [send_sync, send_async], ids=["send_robust", "asend_robust"])
def test_a_channel_layer_outage_is_returned_not_raised(order, staff, send, channel_layer_down):
    kwargs = shipped_signal_kwargs(order, staff)

    [(receiver, error)] = send(kwargs)

    assert receiver is push_order_event
    assert isinstance(error, RedisConnectionError)


def test_a_failed_push_leaves_the_event_pending_for_redispatch(
    order, staff, channel_layer_down, caplog
):
    kwargs = shipped_signal_kwargs(order, staff)

    assert dispatch_event(event_id=kwargs["event"].pk) is False

    assert OrderEvent.objects.get(pk=kwargs["event"].pk).dispatched_at is None
    failures = [record for record in caplog.records if record.exc_info]
    assert len(failures) == 1, "the receiver's failure is logged once, with its traceback"
    [failure] = failures
    assert "Error calling push_order_event in Signal.send_robust()" in failure.getMessage()
