"""Read queries for orders, shaped so list and detail pages run a fixed number of queries."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Prefetch, QuerySet

from orders.models import Order, OrderEvent, OrderItem, Product


def visible_orders(*, user: AbstractBaseUser) -> QuerySet[Order]:
    """Orders the user may see: staff all of them, customers their own, anonymous none."""
    if user.is_staff:
        return Order.objects.all()
    if not user.is_authenticated:
        return Order.objects.none()
    return Order.objects.filter(customer=user)


def with_details(orders: QuerySet[Order]) -> QuerySet[Order]:
    """Load shipment, items and products in two extra queries, whatever the page size."""
    return with_items(orders.select_related("shipment"))


def with_items(orders: QuerySet[Order]) -> QuerySet[Order]:
    """Load the items and their products in one extra query."""
    return orders.prefetch_related(
        Prefetch("items", queryset=OrderItem.objects.select_related("product"))
    )


def visible_products(*, user: AbstractBaseUser) -> QuerySet[Product]:
    """Staff see the whole catalogue; customers only what they can order."""
    return Product.objects.all() if user.is_staff else Product.objects.filter(active=True)


def order_timeline(*, order: Order) -> QuerySet[OrderEvent]:
    return order.events.order_by("id")
