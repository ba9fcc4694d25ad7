"""Signals the orders app sends, and the payload each one's event carries. Receivers live in
the apps that consume them.

All five are sent with ``send_robust`` after the transaction that recorded the event has
committed (see ``orders.dispatch``), with ``sender=Order``. Receivers must be idempotent: an
event whose dispatch partly failed is sent again by ``orders.tasks.redispatch_pending_events``.

``Signal(providing_args=...)`` was removed in Django 4.0; the arguments are documented here.

``OrderEvent.payload`` is JSON written by ``orders.services`` and read back by other apps, so
its keys are declared below, one ``TypedDict`` per event type: the services build them, readers
``cast`` ``event.payload`` to the one of the event's type and read only declared keys, and
``tests/services/test_event_payloads.py`` fails when the two drift apart.
"""

from typing import TypedDict

from django.dispatch import Signal


class OrderEventPayload(TypedDict):
    """The keys every event's payload has: the order as it was once the event happened."""

    order_number: str
    status: str


class PlacedLine(TypedDict):
    sku: str
    quantity: int


class PlacedPayload(OrderEventPayload):
    items: list[PlacedLine]
    total: str  # a decimal as a string: JSON numbers are floats


class ShippedLine(TypedDict):
    item: int  # the OrderItem's id
    sku: str
    name: str
    quantity: int  # of this item in this shipment


class ShippedPayload(OrderEventPayload):
    """One shipment left; ``status`` is ``partially_shipped`` while some quantity remains."""

    shipment_id: int
    lines: list[ShippedLine]
    carrier: str
    tracking_number: str
    tracking_url: str
    shipped_at: str  # ISO 8601
    shipped_by: str  # a staff username: shown to staff only
    notify_customer: bool


class CancelledPayload(OrderEventPayload):
    cancelled_by: str  # a username: shown to staff only


class ShipmentUpdatedPayload(OrderEventPayload):
    """A tracking event changed a shipment's status."""

    shipment_id: int
    carrier: str
    tracking_number: str
    shipment_status: str
    occurred_at: str  # ISO 8601
    location: str
    message: str


class DeliveredPayload(OrderEventPayload):
    """The last shipment of a fully shipped order was delivered."""

    delivered_at: str  # ISO 8601: when the last parcel arrived


order_placed = Signal()
"""A customer placed an order. Arguments: ``order`` (Order), ``event`` (OrderEvent, type
``placed``, payload a ``PlacedPayload``)."""

order_shipped = Signal()
"""Staff shipped a parcel of an order, once per shipment. Arguments: ``order`` (Order),
``shipment`` (Shipment, the new one), ``event`` (OrderEvent, type ``shipped``, payload a
``ShippedPayload`` with the shipment's lines)."""

order_cancelled = Signal()
"""An order was cancelled. Arguments: ``order`` (Order), ``event`` (OrderEvent, type
``cancelled``, payload a ``CancelledPayload``)."""

shipment_updated = Signal()
"""A tracking event changed a parcel's status. Arguments: ``order`` (Order), ``shipment``
(Shipment, its new status saved), ``event`` (OrderEvent, type ``shipment_updated``, payload a
``ShipmentUpdatedPayload``)."""

order_delivered = Signal()
"""Every parcel of a fully shipped order was delivered. Arguments: ``order`` (Order),
``event`` (OrderEvent, type ``delivered``, payload a ``DeliveredPayload``)."""
