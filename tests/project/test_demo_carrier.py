"""``manage.py demo_carrier``, ``make run``'s carrier: parcels whose tracking page is open move
a step per interval to delivered through the server's signed ingest, parcels shipped while it
runs too; it waits while no server answers, and Ctrl-C or SIGTERM stops it cleanly."""

import os
import signal
from collections.abc import Callable
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from notifications.models import LiveWatcher
from orders.models import Order, Shipment
from orders.services import ShipLine
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db(transaction=True)

COMMAND = "shop.management.commands.demo_carrier"


def watch(order: Order) -> None:
    """A tracking page open on ``order``, as the order feed's consumer records it."""
    LiveWatcher.objects.create(
        channel_name=f"test.{order.pk}",
        user=order.customer,
        path=f"/ws/orders/{order.pk}/",
        order=order,
        last_seen_at=timezone.now(),
    )


def between_steps(monkeypatch, *actions: Callable[[], None]) -> list[list[str]]:
    """Run ``actions`` in turn in place of the sleeps between steps, then press Ctrl-C; the
    parcels' statuses seen at each sleep."""
    seen: list[list[str]] = []
    pending = list(actions)

    def sleep(seconds: float) -> None:
        seen.append(list(Shipment.objects.order_by("id").values_list("status", flat=True)))
        if not pending:
            raise KeyboardInterrupt
        pending.pop(0)()

    monkeypatch.setattr(f"{COMMAND}.sleep", sleep)
    return seen


def test_a_watched_parcel_moves_a_step_at_a_time_to_delivered(live_server, ship, monkeypatch):
    watched, unwatched = OrderFactory.create(items=2), OrderFactory.create(items=1)
    first_item, second_item = watched.items.all()
    ship(watched, lines=[ShipLine(item_id=first_item.pk, quantity=first_item.quantity)])
    ship(unwatched, tracking_number="1Z0000002")
    watch(watched)

    def ship_the_rest() -> None:
        ship(watched, tracking_number="1Z0000003")

    seen = between_steps(monkeypatch, ship_the_rest, *[lambda: None] * 3)
    out = StringIO()

    call_command("demo_carrier", base_url=live_server.url, interval=0, stdout=out)

    # Parcels by id: the watched order's first, the unwatched one, then the one shipped later.
    assert seen == [
        ["in_transit", "shipped"],
        ["out_for_delivery", "shipped", "in_transit"],
        ["delivered", "shipped", "out_for_delivery"],
        ["delivered", "shipped", "delivered"],
        ["delivered", "shipped", "delivered"],
    ]
    assert Order.objects.get(pk=watched.pk).status == "delivered"
    assert Order.objects.get(pk=unwatched.pk).status == "shipped"
    lines = out.getvalue().splitlines()
    assert lines[0] == "Parcels move to delivered while their tracking page is open."
    assert lines[1] == "1Z0000001: in_transit -> 202"
    assert lines[-1] == "Carrier stopped."
    assert second_item.shipment_lines.exists()


def test_it_waits_for_the_server(monkeypatch, ship, order):
    ship(order)
    watch(order)
    between_steps(monkeypatch, lambda: None, lambda: None)
    out = StringIO()

    call_command("demo_carrier", base_url="http://127.0.0.1:9", interval=0, stdout=out)

    assert out.getvalue().splitlines()[1:] == [
        "Waiting for the server at http://127.0.0.1:9.",
        "Carrier stopped.",
    ]


def test_sigterm_stops_it_cleanly(monkeypatch):
    before = signal.getsignal(signal.SIGTERM)
    monkeypatch.setattr(f"{COMMAND}.sleep", lambda seconds: os.kill(os.getpid(), signal.SIGTERM))
    out = StringIO()

    call_command("demo_carrier", base_url="http://127.0.0.1:9", interval=0, stdout=out)

    assert out.getvalue().splitlines()[-1] == "Carrier stopped."
    assert signal.getsignal(signal.SIGTERM) == before


def test_it_refuses_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("demo_carrier", interval=0)
