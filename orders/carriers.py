"""The carriers the shop ships with, and how to build each one's tracking link."""

from urllib.parse import quote

from django.db import models


class Carrier(models.TextChoices):
    DHL = "dhl", "DHL Express"
    UPS = "ups", "UPS"
    FEDEX = "fedex", "FedEx"
    USPS = "usps", "USPS"


TRACKING_URL_PATTERNS: dict[str, str] = {
    Carrier.DHL: "https://www.dhl.com/global-en/home/tracking.html?tracking-id={tracking}",
    Carrier.UPS: "https://www.ups.com/track?tracknum={tracking}",
    Carrier.FEDEX: "https://www.fedex.com/fedextrack/?trknbr={tracking}",
    Carrier.USPS: "https://tools.usps.com/go/TrackConfirmAction?tLabels={tracking}",
}


def tracking_url(carrier: str, tracking_number: str) -> str:
    """The public tracking page for a parcel; the number is URL-quoted."""
    return TRACKING_URL_PATTERNS[carrier].format(tracking=quote(tracking_number, safe=""))
