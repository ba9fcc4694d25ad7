"""Order business logic: each service is one transaction that records an event to dispatch."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import get_random_string

from orders.carriers import Carrier
from orders.dispatch import dispatch_on_commit
from orders.exceptions import InvalidTransition
from orders.models import TRACKING_NUMBER_VALIDATOR, Order, OrderEvent, OrderItem, Product, Shipment
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
        _record_event(order, OrderEvent.Type.PLACED, placed)
    return order


def ship_order(
    *,
    order: Order,
    shipped_by: AbstractBaseUser,
    carrier: str,
    tracking_number: str,
    notify_customer: bool = True,
) -> Order:
    """Ship a placed order. Raises InvalidTransition if it is shipped or cancelled already."""
    if carrier not in Carrier.values:
        raise ValidationError({"carrier": f"Unknown carrier {carrier!r}."})
    TRACKING_NUMBER_VALIDATOR(tracking_number)

    with transaction.atomic():
        locked = _lock_for_transition(order, allowed_from=Order.Status.PLACED, action="shipped")
        shipment = Shipment.objects.create(
            order=locked,
            carrier=carrier,
            tracking_number=tracking_number,
            shipped_at=timezone.now(),
            shipped_by=shipped_by,
            notify_customer=notify_customer,
        )
        locked.status = Order.Status.SHIPPED
        locked.save(update_fields=["status", "updated_at"])
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
        _record_event(locked, OrderEvent.Type.SHIPPED, shipped)
    return locked


def cancel_order(*, order: Order, cancelled_by: AbstractBaseUser) -> Order:
    """Cancel a placed order. Raises InvalidTransition if it is shipped or cancelled already."""
    with transaction.atomic():
        locked = _lock_for_transition(order, allowed_from=Order.Status.PLACED, action="cancelled")
        locked.status = Order.Status.CANCELLED
        locked.save(update_fields=["status", "updated_at"])
        cancelled: CancelledPayload = {
            "order_number": locked.number,
            "status": locked.status,
            "cancelled_by": cancelled_by.get_username(),
        }
        _record_event(locked, OrderEvent.Type.CANCELLED, cancelled)
    return locked


def _lock_for_transition(order: Order, *, allowed_from: str, action: str) -> Order:
    """Re-read the order under a row lock so concurrent transitions serialise."""
    locked = Order.objects.select_for_update().get(pk=order.pk)
    if locked.status != allowed_from:
        raise InvalidTransition(order_number=locked.number, status=locked.status, action=action)
    return locked


def _record_event(order: Order, event_type: str, payload: OrderEventPayload) -> OrderEvent:
    """Store the event with the payload of its type (``orders.signals``) and dispatch it."""
    event = OrderEvent.objects.create(order=order, type=event_type, payload=payload)
    dispatch_on_commit(event)
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
