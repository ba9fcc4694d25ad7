"""Receivers of Django's built-in signals that guard the orders app's own data."""

from typing import Any

from orders.carriers import tracking_url_patterns

TRACKING_URLS_UID = "orders.reset_tracking_urls"


def reset_tracking_urls(sender: Any, *, setting: str, **kwargs: Any) -> None:
    """``setting_changed``: forget the cached tracking URL patterns when their setting changes."""
    if setting == "SHOP_TRACKING_URLS":
        tracking_url_patterns.cache_clear()
