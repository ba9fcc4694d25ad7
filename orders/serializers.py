"""API input and output shapes for the catalogue and orders."""

import re
import unicodedata
from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from orders.carriers import Carrier, tracking_url
from orders.models import (
    TRACKING_NUMBER_VALIDATOR,
    Order,
    OrderEvent,
    OrderItem,
    Product,
    Shipment,
    ShipmentLine,
    ShipmentStatus,
    TrackingEvent,
)
from orders.selectors import OrderRows
from shop.api.errors import ErrorSerializer

MAX_ITEMS_PER_ORDER = 50
MAX_QUANTITY = 1000
PRICE_PATTERN = r"^\d{1,8}(\.\d{1,2})?$"


@extend_schema_field(
    {"type": "string", "format": "decimal", "pattern": PRICE_PATTERN, "example": "12.50"}
)
class PriceField(serializers.DecimalField):
    """A price as a string such as "12.50": never negative, at most 8 digits and 2 decimals.

    Strings only, matching the documented pattern: a JSON float cannot hold cents exactly.
    """

    default_error_messages = {
        "format": 'Use a string such as "12.50": not negative, up to 8 digits and 2 decimals.'
    }

    def __init__(self, **kwargs) -> None:
        super().__init__(max_digits=10, decimal_places=2, **kwargs)

    def to_internal_value(self, data) -> Decimal:
        if not isinstance(data, str) or not re.fullmatch(PRICE_PATTERN, data):
            self.fail("format")
        return super().to_internal_value(data)


class ProductSerializer(serializers.ModelSerializer):
    price = PriceField()

    class Meta:
        model = Product
        fields = ["id", "sku", "name", "price", "active"]
        read_only_fields = ["id"]


class OrderItemSerializer(serializers.ModelSerializer):
    sku = serializers.CharField(source="product.sku")
    name = serializers.CharField(source="product.name")
    line_total = serializers.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        model = OrderItem
        fields = [
            "id",
            "product",
            "sku",
            "name",
            "quantity",
            "shipped_quantity",
            "unit_price",
            "line_total",
        ]


class ShipmentLineSerializer(serializers.ModelSerializer):
    class Meta:
        model = ShipmentLine
        fields = ["item", "quantity"]


class TrackingEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = TrackingEvent
        fields = ["status", "occurred_at", "location", "message"]


class ShipmentSerializer(serializers.ModelSerializer):
    lines = ShipmentLineSerializer(many=True)
    events = TrackingEventSerializer(many=True, source="tracking_events")

    class Meta:
        model = Shipment
        fields = [
            "id",
            "carrier",
            "tracking_number",
            "tracking_url",
            "shipped_at",
            "status",
            "delivered_at",
            "lines",
            "events",
        ]


class OrderSerializer(serializers.ModelSerializer):
    items = OrderItemSerializer(many=True)
    total = serializers.DecimalField(max_digits=12, decimal_places=2)
    shipments = ShipmentSerializer(many=True, help_text="Every parcel, oldest first.")
    shipment = serializers.SerializerMethodField(
        help_text="The most recent of `shipments`, or null: for clients from before partial "
        "shipments."
    )

    class Meta:
        model = Order
        fields = [
            "id",
            "number",
            "status",
            "items",
            "total",
            "shipping_address",
            "created_at",
            "shipment",
            "shipments",
        ]

    @extend_schema_field(ShipmentSerializer(allow_null=True))
    def get_shipment(self, order: Order) -> dict | None:
        shipments = order.shipments.all()  # prefetched, oldest first
        return ShipmentSerializer(shipments[len(shipments) - 1]).data if shipments else None

    def to_representation(self, instance: Order) -> dict:
        """The declared fields' output, built by ``order_data`` instead of field by field.

        The declarations above still define the schema; ``tests/api/test_order_representation.py``
        checks that both give the same JSON.
        """
        return order_data(instance)


# DRF's own fields format the values, so the output is theirs to the character. Building the
# dicts directly costs a tenth of the nested serializers' field-by-field pass (bench/README.md,
# "Third round"), which every order response, the ship's included, paid.
_UNIT_PRICE = serializers.DecimalField(max_digits=10, decimal_places=2)  # as the model declares
_MONEY = serializers.DecimalField(max_digits=12, decimal_places=2)
_DATETIME = serializers.DateTimeField()


def order_data(order: Order) -> dict:
    """What ``OrderSerializer`` returns for an order whose items (products included) and
    shipments (lines and tracking events included) are loaded (``selectors.with_details``)."""
    return order_rows_data(
        OrderRows(
            order={
                "id": order.pk,
                "number": order.number,
                "status": order.status,
                "shipping_address": order.shipping_address,
                "created_at": order.created_at,
            },
            items=[
                {
                    "id": item.pk,
                    "product": item.product_id,
                    "sku": item.product.sku,
                    "name": item.product.name,
                    "quantity": item.quantity,
                    "shipped_quantity": item.shipped_quantity,
                    "unit_price": item.unit_price,
                }
                for item in order.items.all()
            ],
            shipments=[
                {
                    "id": shipment.pk,
                    "carrier": shipment.carrier,
                    "tracking_number": shipment.tracking_number,
                    "shipped_at": shipment.shipped_at,
                    "status": shipment.status,
                    "delivered_at": shipment.delivered_at,
                    "lines": [
                        {"item": line.item_id, "quantity": line.quantity}
                        for line in shipment.lines.all()
                    ],
                    "events": [
                        {
                            "status": event.status,
                            "occurred_at": event.occurred_at,
                            "location": event.location,
                            "message": event.message,
                        }
                        for event in shipment.tracking_events.all()
                    ],
                }
                for shipment in order.shipments.all()
            ],
        )
    )


def order_rows_data(rows: OrderRows) -> dict:
    """What ``OrderSerializer`` returns, from the rows ``selectors.order_detail_rows`` reads
    (or ``order_data`` takes from loaded models)."""
    items = [
        {
            **item,
            "unit_price": _UNIT_PRICE.to_representation(item["unit_price"]),
            "line_total": _MONEY.to_representation(item["unit_price"] * item["quantity"]),
        }
        for item in rows.items
    ]
    total = sum((item["unit_price"] * item["quantity"] for item in rows.items), Decimal(0))
    shipments = [
        {
            "id": shipment["id"],
            "carrier": shipment["carrier"],
            "tracking_number": shipment["tracking_number"],
            "tracking_url": tracking_url(shipment["carrier"], shipment["tracking_number"]),
            "shipped_at": _DATETIME.to_representation(shipment["shipped_at"]),
            "status": shipment["status"],
            "delivered_at": _DATETIME.to_representation(shipment["delivered_at"]),
            "lines": shipment["lines"],
            "events": [
                {**event, "occurred_at": _DATETIME.to_representation(event["occurred_at"])}
                for event in shipment["events"]
            ],
        }
        for shipment in rows.shipments
    ]
    order = rows.order
    return {
        "id": order["id"],
        "number": order["number"],
        "status": order["status"],
        "items": items,
        "total": _MONEY.to_representation(total),
        "shipping_address": order["shipping_address"],
        "created_at": _DATETIME.to_representation(order["created_at"]),
        "shipment": shipments[-1] if shipments else None,
        "shipments": shipments,
    }


class OrderLineInputSerializer(serializers.Serializer):
    # Product IDs are 64-bit: a larger number would overflow SQLite's integers.
    product = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)


def printable(value: str) -> None:
    """Addresses end up in emails, pick lists and the admin: no control characters."""
    if any(unicodedata.category(char) == "Cc" and char not in "\r\n\t" for char in value):
        raise serializers.ValidationError("Use printable characters and line breaks only.")


class OrderCreateSerializer(serializers.Serializer):
    # A ListField, not many=True: its length validators reach the schema (minItems, maxItems).
    items = serializers.ListField(
        child=OrderLineInputSerializer(),
        allow_empty=False,
        min_length=1,
        max_length=MAX_ITEMS_PER_ORDER,
    )
    shipping_address = serializers.CharField(max_length=500, validators=[printable])


class ShipLineInputSerializer(serializers.Serializer):
    item = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text="An order item's id."
    )
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_QUANTITY)


class ShipOrderSerializer(serializers.Serializer):
    carrier = serializers.ChoiceField(choices=Carrier.choices)
    tracking_number = serializers.CharField(max_length=40, validators=[TRACKING_NUMBER_VALIDATOR])
    notify_customer = serializers.BooleanField(default=True)
    lines = serializers.ListField(
        child=ShipLineInputSerializer(),
        required=False,
        allow_empty=False,
        min_length=1,
        max_length=MAX_ITEMS_PER_ORDER,
        help_text="What this parcel carries; left out, every quantity not shipped yet.",
    )


class TrackingEventInputSerializer(serializers.Serializer):
    """A tracking event as staff record it (``event_id`` generated when absent)."""

    event_id = serializers.RegexField(
        r"^[\x21-\x7e]{1,100}$",
        required=False,
        help_text="The carrier's id for the event: 1-100 printable ASCII characters.",
    )
    status = serializers.ChoiceField(choices=ShipmentStatus.choices)
    occurred_at = serializers.DateTimeField(help_text="ISO 8601; at most 5 minutes ahead.")
    location = serializers.CharField(
        max_length=200, required=False, default="", allow_blank=True, validators=[printable]
    )
    message = serializers.CharField(
        max_length=500, required=False, default="", allow_blank=True, validators=[printable]
    )


class CarrierEventInputSerializer(TrackingEventInputSerializer):
    """What a carrier sends: the event names its parcel by tracking number."""

    event_id = serializers.RegexField(
        r"^[\x21-\x7e]{1,100}$",
        help_text="The carrier's id for the event, unique per carrier: a replay is answered "
        "200 and changes nothing.",
    )
    tracking_number = serializers.CharField(max_length=40, validators=[TRACKING_NUMBER_VALIDATOR])


class TrackingEventOutputSerializer(TrackingEventSerializer):
    shipment = serializers.IntegerField(source="shipment_id")

    class Meta(TrackingEventSerializer.Meta):
        fields = ["event_id", "shipment", *TrackingEventSerializer.Meta.fields]


# Payload keys naming the staff member who acted: shown to staff only, never to customers.
# Declared in orders.signals (ShippedPayload, CancelledPayload).
STAFF_ONLY_PAYLOAD_KEYS = frozenset({"shipped_by", "cancelled_by"})


class OrderEventSerializer(serializers.ModelSerializer):
    """An event for the timeline. Staff usernames are left out unless the ``request`` in the
    context is a staff member's: without one, the customer's view is the safe default."""

    payload = serializers.DictField(
        read_only=True,
        help_text=(
            "What the signal's receivers get; its keys depend on `type`. `shipped_by` and "
            "`cancelled_by` (usernames) are shown to staff only."
        ),
    )
    position = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        help_text="The event's place in the websocket feeds, given when it is recorded: "
        "connect with `?after=` the last one read to continue live (docs/websockets.md).",
    )

    class Meta:
        model = OrderEvent
        fields = ["id", "position", "type", "created_at", "payload"]

    def to_representation(self, event: OrderEvent) -> dict:
        data = super().to_representation(event)
        request = self.context.get("request")
        if request is None or not request.user.is_staff:
            data["payload"] = {
                key: value
                for key, value in data["payload"].items()
                if key not in STAFF_ONLY_PAYLOAD_KEYS
            }
        return data


class TransitionConflictSerializer(ErrorSerializer):
    """The 409 of ship and cancel: the order's status says why (for a ship: cancelled, or
    nothing left to ship)."""

    status = serializers.ChoiceField(choices=Order.Status.choices)
