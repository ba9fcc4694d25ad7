"""Catalogue, orders, shipments and the order event outbox.

Every rule the database can hold is a constraint, so bad rows are refused even when code
bypasses the services (bulk updates, the shell, another service writing to the same tables).
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q

from orders.carriers import Carrier, tracking_url

SKU_VALIDATOR = RegexValidator(
    r"^[A-Z0-9][A-Z0-9-]{1,31}$", "Use 2-32 capital letters, digits or '-'."
)
TRACKING_NUMBER_VALIDATOR = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9-]{3,39}$", "Use 4-40 letters, digits or '-'."
)


class Product(models.Model):
    sku = models.CharField(max_length=32, unique=True, validators=[SKU_VALIDATOR])
    name = models.CharField(max_length=200)
    price = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="product_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"


class OrderStatus(models.TextChoices):
    """Module-level so the models' ``Meta`` constraints can use its values.

    ``partially_shipped`` while some quantity is still to ship, ``shipped`` once every
    quantity has left, ``delivered`` once every shipment of a shipped order is delivered;
    ``cancelled`` only from ``placed``.
    """

    PLACED = "placed", "Placed"
    PARTIALLY_SHIPPED = "partially_shipped", "Partially shipped"
    SHIPPED = "shipped", "Shipped"
    DELIVERED = "delivered", "Delivered"
    CANCELLED = "cancelled", "Cancelled"


class ShipmentStatus(models.TextChoices):
    """Where a parcel is in the carrier's network; it follows its latest tracking event."""

    SHIPPED = "shipped", "Shipped"
    IN_TRANSIT = "in_transit", "In transit"
    OUT_FOR_DELIVERY = "out_for_delivery", "Out for delivery"
    DELIVERED = "delivered", "Delivered"
    EXCEPTION = "exception", "Exception"


class EventType(models.TextChoices):
    """What an ``OrderEvent`` records: a transition of the order, or of one of its parcels."""

    PLACED = "placed", "Placed"
    SHIPPED = "shipped", "Shipped"
    SHIPMENT_UPDATED = "shipment_updated", "Parcel update"
    DELIVERED = "delivered", "Delivered"
    CANCELLED = "cancelled", "Cancelled"


# Events of these types happen once per order; ``shipped`` once per shipment and
# ``shipment_updated`` once per tracking event.
ONCE_PER_ORDER_EVENTS = [EventType.PLACED, EventType.DELIVERED, EventType.CANCELLED]
SHIPMENT_EVENTS = [EventType.SHIPPED, EventType.SHIPMENT_UPDATED]


class Order(models.Model):
    Status = OrderStatus

    number = models.CharField(max_length=20, unique=True, editable=False)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLACED)
    shipping_address = models.TextField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The feed position of the order's latest event (0 for none), written in the UPDATE that
    # records it: the next event's ``order_previous`` needs no query, and the customer's
    # latest position is one index lookup (``order_customer_position``).
    last_position = models.BigIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=OrderStatus.values),
                name="order_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "-created_at"], name="order_customer_created"),
            models.Index(fields=["status"], name="order_status"),
            models.Index(fields=["customer", "last_position"], name="order_customer_position"),
        ]
        # Shipping is its own right, apart from change_order (editing a placed order's address),
        # so warehouse staff can ship without being able to edit orders. Customers' email
        # addresses are shown in the admin only with view_customer_contact.
        permissions = [
            ("ship_order", "Can ship order"),
            ("view_customer_contact", "Can see customers' email addresses"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def total(self) -> Decimal:
        """Sum of the line totals; uses prefetched items when the queryset has them."""
        return sum((item.line_total for item in self.items.all()), Decimal("0.00"))


class OrderItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="order_items")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)
    # The sum of this item's shipment lines, kept by ship_order under the order's row lock:
    # the database then refuses an over-ship (``orderitem_not_over_shipped``), which a
    # constraint over the lines themselves could not.
    shipped_quantity = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="orderitem_quantity_positive"),
            models.CheckConstraint(
                condition=Q(shipped_quantity__gte=0, shipped_quantity__lte=F("quantity")),
                name="orderitem_not_over_shipped",
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="orderitem_unit_price_not_negative"
            ),
            models.UniqueConstraint(fields=["order", "product"], name="orderitem_product_once"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product.sku}"

    @property
    def line_total(self) -> Decimal:
        return self.unit_price * self.quantity

    @property
    def remaining_quantity(self) -> int:
        return self.quantity - self.shipped_quantity


class Shipment(models.Model):
    """One parcel of an order, with the quantities it carries (``lines``).

    An order ships in one or more parcels; each item's ``shipped_quantity`` is the sum of its
    lines, so the database refuses an over-ship.
    """

    Status = ShipmentStatus

    # A shipped order records goods that left the warehouse, so its shipments keep it: any
    # delete of it (Order.delete(), QuerySet.delete(), the admin) raises ProtectedError from
    # Django's collector. An order shipped while its delete runs, after the collector looked,
    # is kept by the database: the foreign key has no ON DELETE action there, so the delete's
    # commit fails with an IntegrityError.
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="shipments")
    carrier = models.CharField(max_length=16, choices=Carrier.choices)
    tracking_number = models.CharField(max_length=40, validators=[TRACKING_NUMBER_VALIDATOR])
    shipped_at = models.DateTimeField()
    shipped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="shipments_made"
    )
    notify_customer = models.BooleanField(default=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SHIPPED)
    # When the tracking event that set ``status`` happened (none yet: null): an older event
    # that arrives later is stored but leaves the status alone.
    status_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["shipped_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(carrier__in=Carrier.values),
                name="shipment_carrier_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=ShipmentStatus.values),
                name="shipment_status_valid",
            ),
            # Delivered exactly when it has a delivery time.
            models.CheckConstraint(
                condition=Q(status=ShipmentStatus.DELIVERED, delivered_at__isnull=False)
                | (~Q(status=ShipmentStatus.DELIVERED) & Q(delivered_at__isnull=True)),
                name="shipment_delivered_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["carrier", "tracking_number"], name="shipment_tracking"),
        ]

    def __str__(self) -> str:
        return f"{self.get_carrier_display()} {self.tracking_number}"

    @property
    def tracking_url(self) -> str:
        return tracking_url(self.carrier, self.tracking_number)


class ShipmentLine(models.Model):
    """How many of one order item a shipment carries."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    # RESTRICT: an item cannot go while a line ships it, unless the line goes in the same
    # delete (the shipment's); Shipment.order is what keeps a shipped order.
    item = models.ForeignKey(OrderItem, on_delete=models.RESTRICT, related_name="shipment_lines")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="shipmentline_quantity_positive"
            ),
            models.UniqueConstraint(fields=["shipment", "item"], name="shipmentline_item_once"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} of item {self.item_id}"


class TrackingEvent(models.Model):
    """What a carrier (or staff) reported about a parcel. Every event is kept, in or out of
    order; the shipment's status follows the one that happened last."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="tracking_events")
    # The carrier's own id for the event: a replay of it is recognised and changes nothing.
    carrier = models.CharField(max_length=16, choices=Carrier.choices)
    event_id = models.CharField(max_length=100)
    status = models.CharField(max_length=16, choices=ShipmentStatus.choices)
    occurred_at = models.DateTimeField()
    location = models.CharField(max_length=200, blank=True)
    message = models.CharField(max_length=500, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["occurred_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "event_id"], name="trackingevent_once_per_carrier"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ShipmentStatus.values), name="trackingevent_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(carrier__in=Carrier.values), name="trackingevent_carrier_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.status} at {self.occurred_at:%Y-%m-%d %H:%M}"


class OrderEvent(models.Model):
    """One row per thing that happened to an order; also the outbox for its signal.

    ``dispatched_at`` stays empty until every receiver of the event's signal succeeded, so a
    periodic task can send again whatever a crash or an outage left behind.

    ``position`` is the event's place in the websocket feeds, taken in the event's own
    transaction from ``EventSequence`` (``orders.positions``), whose row lock is held until
    commit: positions are committed in numeric order, so a client that has seen position N can
    ask for ``> N`` and miss nothing. Ids are given at insert, so they are not commit order.
    Events recorded before positions existed were positioned by migrations; every event the
    services record has one.
    ``order_previous`` and ``customer_previous`` are the positions before this one in the
    order's and in the customer's feed (0 for none): a connected client spots a lost push.
    """

    Type = EventType

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=16, choices=Type.choices)
    # The parcel a ``shipped`` or ``shipment_updated`` event is about, and the tracking event
    # behind a ``shipment_updated``: they make each event's uniqueness a constraint.
    shipment = models.ForeignKey(
        Shipment, on_delete=models.RESTRICT, null=True, blank=True, related_name="order_events"
    )
    tracking_event = models.OneToOneField(
        TrackingEvent,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="order_event",
    )
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    position = models.BigIntegerField(unique=True, null=True, blank=True, editable=False)
    order_previous = models.BigIntegerField(null=True, blank=True, editable=False)
    customer_previous = models.BigIntegerField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["id"]
        constraints = [
            # Each transition happens at most once, so an event is never recorded twice: the
            # order's own once per order, a shipment's ship once per shipment, a status change
            # once per tracking event (its one-to-one).
            models.UniqueConstraint(
                fields=["order", "type"],
                condition=Q(type__in=ONCE_PER_ORDER_EVENTS),
                name="orderevent_once_per_order",
            ),
            models.UniqueConstraint(
                fields=["shipment"],
                condition=Q(type=EventType.SHIPPED),
                name="orderevent_shipped_once_per_shipment",
            ),
            models.CheckConstraint(
                condition=Q(type__in=EventType.values),
                name="orderevent_type_valid",
            ),
            # A shipment's events name it; a status change names its tracking event too.
            models.CheckConstraint(
                condition=Q(type__in=SHIPMENT_EVENTS, shipment__isnull=False)
                | (~Q(type__in=SHIPMENT_EVENTS) & Q(shipment__isnull=True)),
                name="orderevent_shipment_iff_shipment_event",
            ),
            models.CheckConstraint(
                condition=Q(type=EventType.SHIPMENT_UPDATED, tracking_event__isnull=False)
                | (~Q(type=EventType.SHIPMENT_UPDATED) & Q(tracking_event__isnull=True)),
                name="orderevent_tracking_iff_update",
            ),
            # Unpositioned, or positioned with both previous positions before it.
            models.CheckConstraint(
                condition=Q(
                    position__isnull=True,
                    order_previous__isnull=True,
                    customer_previous__isnull=True,
                )
                | Q(
                    position__gt=0,
                    order_previous__gte=0,
                    order_previous__lt=F("position"),
                    customer_previous__gte=0,
                    customer_previous__lt=F("position"),
                ),
                name="orderevent_position_valid",
            ),
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(dispatched_at__isnull=True),
                name="orderevent_undispatched",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} #{self.pk}"


class EventSequence(models.Model):
    """The last position given to an order event, in one row.

    An event's transaction takes the next position with one ``UPDATE ... RETURNING`` as late
    as it can and holds the row lock until it commits, so positions are committed one at a
    time in numeric order (``orders.positions``).
    """

    last_position = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"last event position {self.last_position}"
