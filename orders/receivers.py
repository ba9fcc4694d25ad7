"""Receivers of Django's built-in signals that guard the orders app's own data."""

from typing import Any

from django.db.models import ProtectedError

from orders.carriers import tracking_url_patterns
from orders.models import Order

PROTECT_SHIPPED_UID = "orders.protect_shipped_orders"
TRACKING_URLS_UID = "orders.reset_tracking_urls"


def protect_shipped_orders(
    sender: type[Order], *, instance: Order, using: str, **kwargs: Any
) -> None:
    """``pre_delete``: a shipped order records goods that left the warehouse; keep it.

    Runs inside the delete's transaction for ``Order.delete()`` and ``QuerySet.delete()``
    alike (Django collects the rows and sends the signal for each), so one shipped order
    rolls the whole delete back. The row is re-read under a lock: the instance may be stale,
    and an order shipped meanwhile must not slip through.
    """
    shipped = Order.objects.using(using).filter(pk=instance.pk, status=Order.Status.SHIPPED)
    if shipped.select_for_update().exists():
        raise ProtectedError(
            f"Order {instance.number} was shipped and cannot be deleted.", {instance}
        )


def reset_tracking_urls(sender: Any, *, setting: str, **kwargs: Any) -> None:
    """``setting_changed``: forget the cached tracking URL patterns when their setting changes."""
    if setting == "SHOP_TRACKING_URLS":
        tracking_url_patterns.cache_clear()
