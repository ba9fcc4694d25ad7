"""``manage.py simulate_carrier`` drives undelivered parcels to delivered through the real,
signed ingest endpoint of a running server, and a second run replays nothing."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from orders.models import Order, OrderEvent, TrackingEvent
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_simulator_delivers_every_parcel_through_the_ingest(live_server, ship):
    orders = [OrderFactory(items=1), OrderFactory(items=2)]
    for number, order in enumerate(orders):
        ship(order, carrier="dhl", tracking_number=f"JDSIM{number:05d}")
    out = StringIO()

    call_command("simulate_carrier", base_url=live_server.url, interval=0, stdout=out)

    assert out.getvalue().count("-> 202") == 6
    assert {order.status for order in Order.objects.all()} == {"delivered"}
    assert TrackingEvent.objects.count() == 6
    assert OrderEvent.objects.filter(type="shipment_updated").count() == 6
    again = StringIO()
    call_command("simulate_carrier", base_url=live_server.url, interval=0, stdout=again)
    assert again.getvalue() == "No parcel left to deliver.\n"


def test_the_simulator_says_when_no_server_listens(ship, order):
    ship(order)
    with pytest.raises(CommandError, match="No server at"):
        call_command("simulate_carrier", base_url="http://127.0.0.1:9", interval=0)
