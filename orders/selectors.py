"""Read queries for orders, shaped so list and detail pages run a fixed number of queries."""

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Prefetch, QuerySet

from orders.models import (
    Order,
    OrderEvent,
    OrderItem,
    Product,
    Shipment,
    ShipmentLine,
    TrackingEvent,
)


def visible_orders(*, user: User | AnonymousUser) -> QuerySet[Order]:
    """Orders the user may see: staff all of them, customers their own, anonymous none."""
    if user.is_staff:
        return Order.objects.all()
    if not user.is_authenticated:
        return Order.objects.none()
    return Order.objects.filter(customer=user)


# An order's shipments, oldest first, with their lines and tracking events: three queries.
SHIPMENT_PREFETCHES = (
    Prefetch("shipments", queryset=Shipment.objects.order_by("shipped_at", "id")),
    Prefetch(
        "shipments__lines",
        queryset=ShipmentLine.objects.select_related("item__product").order_by("id"),
    ),
    Prefetch(
        "shipments__tracking_events", queryset=TrackingEvent.objects.order_by("occurred_at", "id")
    ),
)


def with_details(orders: QuerySet[Order]) -> QuerySet[Order]:
    """Load items, products, shipments, their lines and tracking events in four extra
    queries, whatever the page size."""
    return with_items(orders).prefetch_related(*SHIPMENT_PREFETCHES)


# Django has no public way to fill a prefetch cache with rows the caller has already read or
# written; these two are the only places that set one. The stubs do not declare that private
# attribute, hence the ignores.


def with_loaded_items(order: Order, *, items: list[OrderItem]) -> None:
    """Give an order its items (products included), read with it, as ``with_items`` would."""
    order._prefetched_objects_cache = {"items": items}  # type: ignore[attr-defined]


def with_new_shipment(order: Order, *, shipment: Shipment, lines: list[ShipmentLine]) -> None:
    """Give an order whose first shipment was just written that shipment as its loaded
    ``shipments`` (lines included, no tracking events yet), as ``with_details`` would load it,
    without reading back what the caller wrote."""
    shipment._prefetched_objects_cache = {"lines": lines, "tracking_events": []}  # type: ignore[attr-defined]
    order._prefetched_objects_cache["shipments"] = [shipment]  # type: ignore[attr-defined]


def shipment_id_for_tracking(*, carrier: str, tracking_number: str) -> int | None:
    """The id of the carrier's latest shipment with this tracking number (the shop may have
    used a number twice), or None."""
    return (
        Shipment.objects.filter(carrier=carrier, tracking_number=tracking_number)
        .order_by("-shipped_at", "-id")
        .values_list("pk", flat=True)
        .first()
    )


def with_items(orders: QuerySet[Order]) -> QuerySet[Order]:
    """Load the items and their products in one extra query."""
    return orders.prefetch_related(
        Prefetch("items", queryset=OrderItem.objects.select_related("product"))
    )


def visible_products(*, user: User | AnonymousUser) -> QuerySet[Product]:
    """Staff see the whole catalogue; customers only what they can order."""
    return Product.objects.all() if user.is_staff else Product.objects.filter(active=True)


def order_timeline(*, order: Order) -> QuerySet[OrderEvent]:
    return order.events.order_by("id")


def orderable_products() -> QuerySet[Product]:
    """What anyone may order (``place_order`` refuses the rest), in the catalogue's order."""
    return Product.objects.filter(active=True)
