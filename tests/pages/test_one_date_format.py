"""One date format: the websocket messages show a date as the pages render it, in the shop's
time zone (``DJANGO_TIME_ZONE``), so a live row and a server row read the same."""

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications.messages import order_event_message
from orders.models import OrderEvent
from orders.services import record_tracking_event
from tests.support.clients import log_in
from tests.support.dates import shop_format

pytestmark = pytest.mark.django_db

SHOP_ZONE = "Asia/Kolkata"  # UTC+05:30: a date in UTC or in another zone would not match


def shown(moment: datetime) -> str:
    return shop_format(moment, SHOP_ZONE)


def time_texts(html: str) -> dict[str, str]:
    """Each rendered ``<time>``'s text, by its ``datetime`` attribute's instant in UTC."""
    return {
        datetime.fromisoformat(iso).astimezone(ZoneInfo("UTC")).isoformat(): text
        for iso, text in re.findall(r'<time datetime="([^"]+)">([^<]+)</time>', html)
    }


def test_pushed_and_rendered_dates_read_the_same(client, order, customer, ship, settings):
    settings.TIME_ZONE = SHOP_ZONE
    ship(order)
    parcel = order.shipments.get()
    occurred = timezone.now() - timedelta(hours=3)
    record_tracking_event(
        shipment_id=parcel.pk, event_id="dates-1", status="in_transit", occurred_at=occurred
    )
    shipped, updated = (
        order_event_message(event)
        for event in OrderEvent.objects.filter(order=order).order_by("position")
        if event.type in {OrderEvent.Type.SHIPPED, OrderEvent.Type.SHIPMENT_UPDATED}
    )

    rendered = time_texts(
        log_in(client, customer).get(reverse("track-order", args=[order.pk])).text
    )
    home = log_in(client, customer).get(reverse("home")).text

    for message in (shipped, updated):
        created = datetime.fromisoformat(message["created_at"])
        assert message["created_at_display"] == shown(created)
        assert rendered[created.astimezone(ZoneInfo("UTC")).isoformat()] == shown(created)
    assert updated["occurred_at_display"] == shown(occurred)
    assert rendered[occurred.astimezone(ZoneInfo("UTC")).isoformat()] == shown(occurred)
    assert f'<td data-label="Placed">{shown(order.created_at)}</td>' in home
