"""The carriers the shop ships with, and how to build each one's tracking link."""

from functools import cache
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models


class Carrier(models.TextChoices):
    DHL = "dhl", "DHL Express"
    UPS = "ups", "UPS"
    FEDEX = "fedex", "FedEx"
    USPS = "usps", "USPS"


DEFAULT_TRACKING_URLS: dict[str, str] = {
    Carrier.DHL: "https://www.dhl.com/global-en/home/tracking.html?tracking-id={tracking}",
    Carrier.UPS: "https://www.ups.com/track?tracknum={tracking}",
    Carrier.FEDEX: "https://www.fedex.com/fedextrack/?trknbr={tracking}",
    Carrier.USPS: "https://tools.usps.com/go/TrackConfirmAction?tLabels={tracking}",
}


@cache
def tracking_url_patterns() -> dict[str, str]:
    """The defaults overridden by ``settings.SHOP_TRACKING_URLS``, validated once.

    Cached so the validation runs once per process, not for every shipment serialized; the
    ``setting_changed`` receiver ``orders.receivers.reset_tracking_urls`` clears the cache,
    which is what makes ``override_settings(SHOP_TRACKING_URLS=...)`` work in tests.
    """
    overrides = settings.SHOP_TRACKING_URLS
    for carrier, pattern in overrides.items():
        if carrier not in Carrier.values:
            raise ImproperlyConfigured(
                f"SHOP_TRACKING_URLS: unknown carrier {carrier!r}; use one of {Carrier.values}."
            )
        if not pattern.startswith("https://") or pattern.count("{tracking}") != 1:
            raise ImproperlyConfigured(
                f"SHOP_TRACKING_URLS[{carrier!r}] must be an https:// URL containing "
                "{tracking} once."
            )
    return {**DEFAULT_TRACKING_URLS, **overrides}


def tracking_url(carrier: str, tracking_number: str) -> str:
    """The public tracking page for a parcel; the number is URL-quoted."""
    pattern = tracking_url_patterns()[carrier]
    return pattern.replace("{tracking}", quote(tracking_number, safe=""))
