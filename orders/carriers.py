"""The carriers the shop ships with, and how to build each one's tracking link."""

from urllib.parse import quote

from django.conf import settings
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


def tracking_url(carrier: str, tracking_number: str) -> str:
    """The public tracking page for a parcel; the number is URL-quoted.

    ``settings.SHOP_TRACKING_URLS`` is read on every call, so ``override_settings`` needs no
    receiver; the system check ``orders.checks.check_tracking_urls`` validates it.
    """
    pattern = settings.SHOP_TRACKING_URLS.get(carrier) or DEFAULT_TRACKING_URLS[carrier]
    return pattern.replace("{tracking}", quote(tracking_number, safe=""))
