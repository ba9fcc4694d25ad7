"""The carriers the shop ships with, how to build each one's tracking link, and how their
tracking events are signed."""

import hashlib
import hmac
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


SIGNATURE_PREFIX = "sha256="


def signature_secret(carrier: str) -> str | None:
    """The carrier's tracking-event secret from ``CARRIER_WEBHOOK_SECRETS``, or None when the
    carrier is unknown or not configured (its ingest endpoint is then a 404)."""
    if carrier not in Carrier.values:
        return None
    return settings.CARRIER_WEBHOOK_SECRETS.get(carrier) or None


def signature_valid(*, secret: str, body: bytes, header: str | None) -> bool:
    """Whether ``header`` is ``sha256=<hex HMAC-SHA256 of body>``, compared in constant time."""
    if not header or not header.startswith(SIGNATURE_PREFIX):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header[len(SIGNATURE_PREFIX) :].encode())


def sign(*, secret: str, body: bytes) -> str:
    """The ``X-Carrier-Signature`` header a carrier sends with ``body``."""
    return SIGNATURE_PREFIX + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
