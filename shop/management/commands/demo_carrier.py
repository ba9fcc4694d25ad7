"""``manage.py demo_carrier``: the carrier of ``make run``'s demo, running beside the server.

Every ``--interval`` seconds, each parcel on its way whose tracking page someone has open (a
``LiveWatcher`` of its order) moves one step: in transit, out for delivery, delivered. Whoever
opens a tracking page, however long after start-up, sees its parcels arrive, and parcels
shipped later move the same way. The events are ``simulate_carrier``'s: signed, through the
server's real ingest, replay-safe. A project command because which pages are open is the
notifications app's to know, and ``orders`` never imports it.

While the server does not answer (starting, or reloading after a code change) it waits.
Ctrl-C, or the SIGTERM of honcho stopping ``make run``, ends it cleanly.
"""

import signal
import threading
from time import sleep
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from notifications.models import LiveWatcher
from orders.carriers import Carrier, signature_secret
from orders.management.commands.simulate_carrier import NoServer, send_step
from orders.models import Shipment, ShipmentStatus

# The step after each status; a failed attempt (exception) is delivered at the next try.
NEXT_STEP: dict[str, str] = {
    ShipmentStatus.SHIPPED: ShipmentStatus.IN_TRANSIT,
    ShipmentStatus.IN_TRANSIT: ShipmentStatus.OUT_FOR_DELIVERY,
    ShipmentStatus.OUT_FOR_DELIVERY: ShipmentStatus.DELIVERED,
    ShipmentStatus.EXCEPTION: ShipmentStatus.DELIVERED,
}
PARCELS_PER_STEP = 20


class Command(BaseCommand):
    help = (
        "Keep playing the carriers for the demo: parcels whose tracking page is open move a "
        "step at a time to delivered. Runs until stopped (make run starts it)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--base-url", default="http://127.0.0.1:8000", help="The server.")
        parser.add_argument(
            "--interval", type=float, default=3.0, help="Seconds between steps (default 3)."
        )

    def handle(self, *args, base_url: str, interval: float, **options) -> None:
        if settings.PRODUCTION:
            raise CommandError("Refusing to simulate carriers in production.")
        base_url = base_url.rstrip("/")
        self.stdout.write("Parcels move to delivered while their tracking page is open.")
        previous = _stop_on_sigterm()
        try:
            waiting = False
            while True:
                try:
                    self._step(base_url)
                    waiting = False
                except NoServer:
                    if not waiting:
                        self.stdout.write(f"Waiting for the server at {base_url}.")
                    waiting = True
                sleep(interval)
        except KeyboardInterrupt:
            self.stdout.write("Carrier stopped.")
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)

    def _step(self, base_url: str) -> None:
        watched = LiveWatcher.objects.filter(order__isnull=False).values("order_id")
        carriers = [carrier for carrier in Carrier.values if signature_secret(carrier)]
        parcels = (
            Shipment.objects.filter(order__in=watched, carrier__in=carriers)
            .exclude(status=ShipmentStatus.DELIVERED)
            .order_by("shipped_at", "id")[:PARCELS_PER_STEP]
        )
        for parcel in parcels:
            step = NEXT_STEP[parcel.status]
            code = send_step(base_url, parcel, step)
            self.stdout.write(f"{parcel.tracking_number}: {step} -> {code}")


def _stop_on_sigterm() -> Any:
    """SIGTERM stops the loop as Ctrl-C does; the previous handler, or None off the main
    thread (where no handler can be set)."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    return signal.signal(signal.SIGTERM, interrupt)
