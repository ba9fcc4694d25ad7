"""``manage.py simulate_carrier``: play the carriers for the demo, through the real ingest.

Every parcel not delivered yet moves a step at a time (in transit, out for delivery,
delivered), all parcels together, ``--interval`` seconds apart: someone watching a tracking
page sees them move. Each event is signed with the carrier's secret from
``CARRIER_WEBHOOK_SECRETS`` and posted to ``POST /api/carriers/<carrier>/events/`` of a
running server, exactly as a carrier would send it; its ``event_id`` names the parcel and the
step, so running the command again replays nothing. ``make run`` plays the carrier with
``manage.py demo_carrier``, which sends its events with ``send_step`` below.
"""

import json
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from orders.carriers import sign, signature_secret
from orders.models import Shipment, ShipmentStatus

STEPS = [ShipmentStatus.IN_TRANSIT, ShipmentStatus.OUT_FOR_DELIVERY, ShipmentStatus.DELIVERED]
LOCATIONS: dict[str, str] = {
    ShipmentStatus.IN_TRANSIT: "Regional hub",
    ShipmentStatus.OUT_FOR_DELIVERY: "Local depot",
    ShipmentStatus.DELIVERED: "Front door",
}


class NoServer(CommandError):
    """Nothing answers at the base URL (not started yet, or restarting)."""


class Command(BaseCommand):
    help = "Send signed tracking events that move undelivered parcels to delivered."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--base-url", default="http://127.0.0.1:8000", help="The server.")
        parser.add_argument(
            "--interval", type=float, default=2.0, help="Seconds between steps (default 2)."
        )
        parser.add_argument("--limit", type=int, default=20, help="At most this many parcels.")

    def handle(self, *args, base_url: str, interval: float, limit: int, **options) -> None:
        if settings.PRODUCTION:
            raise CommandError("Refusing to simulate carriers in production.")
        parcels = list(
            Shipment.objects.exclude(status=ShipmentStatus.DELIVERED).order_by("shipped_at")[:limit]
        )
        if not parcels:
            self.stdout.write("No parcel left to deliver.")
            return
        for number, step in enumerate(STEPS):
            if number:
                time.sleep(interval)
            for parcel in parcels:
                code = send_step(base_url.rstrip("/"), parcel, step)
                self.stdout.write(f"{parcel.tracking_number}: {step} -> {code}")


def send_step(base_url: str, parcel: Shipment, step: str) -> int:
    """Post the parcel's ``step`` event, signed, to the server's ingest; the HTTP status."""
    secret = signature_secret(parcel.carrier)
    if secret is None:
        raise CommandError(f"No secret for {parcel.carrier}: set CARRIER_WEBHOOK_SECRETS.")
    body = json.dumps(
        {
            "event_id": f"sim-{parcel.pk}-{step}",
            "tracking_number": parcel.tracking_number,
            "status": step,
            "occurred_at": timezone.now().isoformat(),
            "location": LOCATIONS[step],
        }
    ).encode()
    request = urllib.request.Request(
        f"{base_url}/api/carriers/{parcel.carrier}/events/",
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-Carrier-Signature": sign(secret=secret, body=body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError as exc:  # refused, reset or timed out (URLError is one)
        raise NoServer(f"No server at {base_url}: {getattr(exc, 'reason', exc)}") from exc
