"""Read queries for orders, shaped so list and detail pages run a fixed number of queries."""

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import F, Prefetch, QuerySet

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


@dataclass(frozen=True)
class OrderRows:
    """An order's representation as plain rows: what ``orders.serializers.order_rows_data``
    turns into the API's JSON. Keys are the API's field names; values are unformatted."""

    order: dict[str, Any]  # id, number, status, shipping_address, created_at
    items: list[dict[str, Any]]  # id, product, sku, name, quantity, shipped_quantity, unit_price
    # id, carrier, tracking_number, shipped_at, status, delivered_at, lines (item, quantity),
    # events (status, occurred_at, location, message); oldest first, as with_details orders them
    shipments: list[dict[str, Any]]


def order_detail_rows(*, user: User | AnonymousUser, order_id: int) -> OrderRows | None:
    """What the API shows of one order, if the user may see it, as plain rows: two queries
    for an order with no shipment (the order with its items and their products; its
    shipments), three with some (their tracking events).

    ``with_details`` and ``.get()`` take three and five queries and build every model, which
    cost about twice as much as the request's every other part together (bench/README.md,
    "Third round").
    """
    rows = list(
        visible_orders(user=user)
        .filter(pk=order_id)
        .order_by("items__id")
        .values(
            "id",
            "number",
            "status",
            "shipping_address",
            "created_at",
            item_id=F("items__id"),
            product=F("items__product_id"),
            sku=F("items__product__sku"),
            name=F("items__product__name"),
            quantity=F("items__quantity"),
            shipped_quantity=F("items__shipped_quantity"),
            unit_price=F("items__unit_price"),
        )
    )
    if not rows:
        return None
    first = rows[0]
    return OrderRows(
        order={
            "id": first["id"],
            "number": first["number"],
            "status": first["status"],
            "shipping_address": first["shipping_address"],
            "created_at": first["created_at"],
        },
        items=[
            {
                "id": row["item_id"],
                "product": row["product"],
                "sku": row["sku"],
                "name": row["name"],
                "quantity": row["quantity"],
                "shipped_quantity": row["shipped_quantity"],
                "unit_price": row["unit_price"],
            }
            for row in rows
            if row["item_id"] is not None  # an order without items (only tests make one)
        ],
        shipments=_shipment_rows(order_id),
    )


def _shipment_rows(order_id: int) -> list[dict[str, Any]]:
    """The order's shipments, oldest first, with their lines (one query) and tracking events
    (one more, if there are shipments)."""
    shipments: dict[int, dict[str, Any]] = {}
    for row in (
        Shipment.objects.filter(order_id=order_id)
        .order_by("shipped_at", "id", "lines__id")
        .values(
            "id",
            "carrier",
            "tracking_number",
            "shipped_at",
            "status",
            "delivered_at",
            line_item=F("lines__item_id"),
            line_quantity=F("lines__quantity"),
        )
    ):
        if (shipment := shipments.get(row["id"])) is None:
            shipment = shipments[row["id"]] = {
                "id": row["id"],
                "carrier": row["carrier"],
                "tracking_number": row["tracking_number"],
                "shipped_at": row["shipped_at"],
                "status": row["status"],
                "delivered_at": row["delivered_at"],
                "lines": [],
                "events": [],
            }
        if row["line_item"] is not None:  # a shipment without lines (only tests make one)
            shipment["lines"].append({"item": row["line_item"], "quantity": row["line_quantity"]})
    if shipments:
        for event in (
            TrackingEvent.objects.filter(shipment_id__in=shipments)
            .order_by("occurred_at", "id")
            .values("shipment_id", "status", "occurred_at", "location", "message")
        ):
            shipments[event["shipment_id"]]["events"].append(
                {
                    "status": event["status"],
                    "occurred_at": event["occurred_at"],
                    "location": event["location"],
                    "message": event["message"],
                }
            )
    return list(shipments.values())


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
