"""Order business logic: each service is one transaction that records an event to dispatch."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.crypto import get_random_string

from orders.carriers import Carrier
from orders.dispatch import dispatch_on_commit
from orders.exceptions import InvalidTransition
from orders.models import TRACKING_NUMBER_VALIDATOR, Order, OrderEvent, OrderItem, Product, Shipment
from orders.positions import take_place
from orders.selectors import with_items
from orders.signals import CancelledPayload, OrderEventPayload, PlacedPayload, ShippedPayload

# No 0/O, 1/I/L or U: order numbers are read out on the phone.
ORDER_NUMBER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
ORDER_NUMBER_ATTEMPTS = 5


@dataclass(frozen=True)
class OrderLine:
    product_id: int
    quantity: int


def place_order(
    *, customer: AbstractBaseUser, lines: Sequence[OrderLine], shipping_address: str
) -> Order:
    """Create a placed order with prices snapshotted from the current catalogue."""
    if not lines:
        raise ValidationError({"items": "An order needs at least one item."})
    product_ids = [line.product_id for line in lines]
    if len(set(product_ids)) != len(product_ids):
        raise ValidationError({"items": "Each product may appear only once."})
    if any(line.quantity < 1 for line in lines):
        raise ValidationError({"items": "Quantities must be at least 1."})

    with transaction.atomic():
        products = Product.objects.filter(pk__in=product_ids, active=True).in_bulk()
        missing = sorted(set(product_ids) - products.keys())
        if missing:
            raise ValidationError({"items": f"Unknown or inactive products: {missing}."})
        order = _create_order_with_unique_number(
            customer=customer, shipping_address=shipping_address
        )
        items = OrderItem.objects.bulk_create(
            OrderItem(
                order=order,
                product=products[line.product_id],
                quantity=line.quantity,
                unit_price=products[line.product_id].price,
            )
            for line in lines
        )
        total = sum(item.line_total for item in items)
        placed: PlacedPayload = {
            "order_number": order.number,
            "status": order.status,
            "items": [{"sku": item.product.sku, "quantity": item.quantity} for item in items],
            "total": str(total),
        }
        _record_event(order, OrderEvent.Type.PLACED, placed, changed=[])
    return order


def ship_order(
    *,
    order_id: int,
    shipped_by: AbstractBaseUser,
    carrier: str,
    tracking_number: str,
    notify_customer: bool = True,
) -> Order:
    """Ship a placed order; return it with its shipment and items (products included) loaded.

    The order is read once, under the row lock, so the caller need not read it first: a
    missing order raises ``Order.DoesNotExist``, one shipped or cancelled already
    ``InvalidTransition``.
    """
    if carrier not in Carrier.values:
        raise ValidationError({"carrier": f"Unknown carrier {carrier!r}."})
    TRACKING_NUMBER_VALIDATOR(tracking_number)

    with transaction.atomic():
        locked = _lock_for_transition(
            order_id,
            allowed_from=Order.Status.PLACED,
            action="shipped",
            rows=with_items(Order.objects.all()),
        )
        shipment = Shipment.objects.create(
            order=locked,
            carrier=carrier,
            tracking_number=tracking_number,
            shipped_at=timezone.now(),
            shipped_by=shipped_by,
            notify_customer=notify_customer,
        )
        locked.status = Order.Status.SHIPPED
        shipped: ShippedPayload = {
            "order_number": locked.number,
            "status": locked.status,
            "carrier": shipment.carrier,
            "tracking_number": shipment.tracking_number,
            "tracking_url": shipment.tracking_url,
            "shipped_at": shipment.shipped_at.isoformat(),
            "shipped_by": shipped_by.get_username(),
            "notify_customer": notify_customer,
        }
        _record_event(
            locked,
            OrderEvent.Type.SHIPPED,
            shipped,
            changed=["status", "updated_at"],
            shipment=shipment,
        )
    return locked


def cancel_order(*, order: Order, cancelled_by: AbstractBaseUser) -> Order:
    """Cancel a placed order. Raises InvalidTransition if it is shipped or cancelled already."""
    with transaction.atomic():
        locked = _lock_for_transition(
            order.pk, allowed_from=Order.Status.PLACED, action="cancelled"
        )
        locked.status = Order.Status.CANCELLED
        cancelled: CancelledPayload = {
            "order_number": locked.number,
            "status": locked.status,
            "cancelled_by": cancelled_by.get_username(),
        }
        _record_event(
            locked, OrderEvent.Type.CANCELLED, cancelled, changed=["status", "updated_at"]
        )
    return locked


def _lock_for_transition(
    order_id: int, *, allowed_from: str, action: str, rows: QuerySet[Order] | None = None
) -> Order:
    """Read the order under a row lock so concurrent transitions serialise.

    ``rows`` may add prefetches (they run as their own queries, after the lock is taken).
    """
    rows = Order.objects.all() if rows is None else rows
    locked = rows.select_for_update().get(pk=order_id)
    if locked.status != allowed_from:
        raise InvalidTransition(order_number=locked.number, status=locked.status, action=action)
    return locked


def _record_event(
    order: Order,
    event_type: str,
    payload: OrderEventPayload,
    *,
    changed: list[str],
    shipment: Shipment | None = None,
) -> OrderEvent:
    """Store the event with the payload of its type (``orders.signals``) and its feed place,
    and dispatch it after commit.

    The order's ``changed`` fields and its new ``last_position`` are written in one UPDATE,
    after the feed position is taken (``orders.positions``), so the position's lock is held
    for that UPDATE and the event's INSERT only.
    """
    place = take_place(order)
    order.last_position = place.position
    order.save(update_fields=[*changed, "last_position"])
    event = OrderEvent.objects.create(
        order=order,
        type=event_type,
        payload=payload,
        position=place.position,
        order_previous=place.order_previous,
        customer_previous=place.customer_previous,
    )
    dispatch_on_commit(event, order=order, shipment=shipment)
    return event


def _create_order_with_unique_number(*, customer: AbstractBaseUser, shipping_address: str) -> Order:
    for _ in range(ORDER_NUMBER_ATTEMPTS):
        number = f"{timezone.now():%y%m%d}-{get_random_string(6, ORDER_NUMBER_ALPHABET)}"
        try:
            with transaction.atomic():
                return Order.objects.create(
                    number=number, customer=customer, shipping_address=shipping_address
                )
        except IntegrityError:
            if not Order.objects.filter(number=number).exists():
                raise
    raise RuntimeError("Could not allocate a unique order number.")
