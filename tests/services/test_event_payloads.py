"""The event payloads and their TypedDicts in orders.signals cannot drift apart: each service
stores exactly its type's keys, and the readers (the websocket message, the API's staff-only
filter) use only declared ones."""

from typing import Any, get_type_hints

import pytest
from django.utils import timezone

from notifications.messages import order_event_message
from orders.models import OrderEvent
from orders.serializers import STAFF_ONLY_PAYLOAD_KEYS
from orders.services import (
    OrderLine,
    cancel_order,
    place_order,
    record_tracking_event,
    ship_order,
)
from orders.signals import (
    CancelledPayload,
    DeliveredPayload,
    OrderEventPayload,
    PlacedLine,
    PlacedPayload,
    ShipmentUpdatedPayload,
    ShippedLine,
    ShippedPayload,
)
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db

PAYLOAD_TYPES: dict[str, type[OrderEventPayload]] = {
    OrderEvent.Type.PLACED: PlacedPayload,
    OrderEvent.Type.SHIPPED: ShippedPayload,
    OrderEvent.Type.CANCELLED: CancelledPayload,
    OrderEvent.Type.SHIPMENT_UPDATED: ShipmentUpdatedPayload,
    OrderEvent.Type.DELIVERED: DeliveredPayload,
}


# mypy knows these attributes on a TypedDict class, not on ``type[SomeTypedDict]``.
def required_keys(payload_type: type[OrderEventPayload]) -> frozenset[str]:
    return payload_type.__required_keys__  # type: ignore[attr-defined]


def optional_keys(payload_type: type[OrderEventPayload]) -> frozenset[str]:
    return payload_type.__optional_keys__  # type: ignore[attr-defined]


class KeyRecorder(dict):
    """A payload that remembers the keys read from it."""

    def __init__(self, payload: dict[str, Any]) -> None:
        super().__init__(payload)
        self.read: set[str] = set()

    def __getitem__(self, key: str) -> Any:
        self.read.add(key)
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self.read.add(key)
        return super().get(key, default)


@pytest.fixture
def events(customer, staff) -> list[OrderEvent]:
    """One event of each type, as the services store them (read back from the database)."""
    lines = [OrderLine(product_id=ProductFactory.create().pk, quantity=2)]
    shipped = place_order(customer=customer, lines=lines, shipping_address="1 Main St")
    ship_order(order_id=shipped.pk, shipped_by=staff, carrier="ups", tracking_number="1Z999AA1")
    record_tracking_event(
        shipment_id=shipped.shipments.get().pk,
        event_id="ups-1",
        status="delivered",
        occurred_at=timezone.now(),
        location="Springfield",
    )
    cancelled = place_order(customer=customer, lines=lines, shipping_address="1 Main St")
    cancel_order(order=cancelled, cancelled_by=customer)
    events = [*shipped.events.all(), cancelled.events.get(type=OrderEvent.Type.CANCELLED)]
    assert sorted(event.type for event in events) == sorted(PAYLOAD_TYPES)
    return events


def test_every_event_type_has_a_payload_type_with_the_common_keys():
    assert set(PAYLOAD_TYPES) == set(OrderEvent.Type.values)
    for payload_type in PAYLOAD_TYPES.values():
        assert required_keys(payload_type) > OrderEventPayload.__required_keys__
        assert not optional_keys(payload_type)


def test_each_service_stores_exactly_its_types_keys_and_value_types(events):
    for event in events:
        payload_type = PAYLOAD_TYPES[event.type]
        assert set(event.payload) == required_keys(payload_type), event.type
        for key, hint in get_type_hints(payload_type).items():
            if hint in (str, bool):
                assert type(event.payload[key]) is hint, (event.type, key)
    [placed] = [event for event in events if event.type == OrderEvent.Type.PLACED]
    for line in placed.payload["items"]:
        assert set(line) == PlacedLine.__required_keys__
    [shipped] = [event for event in events if event.type == OrderEvent.Type.SHIPPED]
    for line in shipped.payload["lines"]:
        assert set(line) == ShippedLine.__required_keys__


def test_the_websocket_message_reads_only_declared_keys(events):
    for event in events:
        event.payload = KeyRecorder(event.payload)
        order_event_message(event)
        assert event.payload.read, event.type
        assert event.payload.read <= required_keys(PAYLOAD_TYPES[event.type]), event.type


def test_the_staff_only_keys_are_declared():
    declared = set().union(*(required_keys(t) for t in PAYLOAD_TYPES.values()))
    assert declared >= STAFF_ONLY_PAYLOAD_KEYS
