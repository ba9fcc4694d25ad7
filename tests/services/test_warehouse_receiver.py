"""The warehouse notice receiver, its delivery task and acknowledgement, in isolation."""

import pytest
from django.core import mail

from notifications.models import EmailLog
from orders.dispatch import dispatch_event
from orders.models import OrderEvent
from tests.factories import OrderFactory, OrderItemFactory, ProductFactory
from warehouse.exceptions import AlreadyAcknowledged
from warehouse.models import WarehouseNotice
from warehouse.receivers import RECORD_WAREHOUSE_NOTICE_UID
from warehouse.services import acknowledge_notice
from warehouse.tasks import deliver_notice

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _notice_receiver_only(only_receivers):
    only_receivers(RECORD_WAREHOUSE_NOTICE_UID)


@pytest.fixture
def shipped_mugs(ship):
    """An order of three mugs, shipped: what its notice's item snapshot holds is known exactly."""
    order = OrderFactory.create(items=0)
    OrderItemFactory.create(
        order=order, product=ProductFactory.create(sku="MUG-1", name="Mug"), quantity=3
    )
    ship(order, carrier="usps", tracking_number="9400-1000")
    order.refresh_from_db()
    return order


def test_shipping_records_and_sends_a_notice_with_an_item_snapshot(shipped_mugs):
    notice = WarehouseNotice.objects.get()
    assert notice.order == shipped_mugs
    assert notice.shipment == shipped_mugs.shipments.get()
    assert notice.items == [{"sku": "MUG-1", "name": "Mug", "quantity": 3}]
    assert notice.status == WarehouseNotice.Status.SENT
    [message] = mail.outbox
    assert message.to == ["warehouse@shop.example"]
    assert "3 x MUG-1" in message.body
    assert not EmailLog.objects.exists(), "the email receiver is disconnected"


def test_snapshot_does_not_follow_catalogue_changes(shipped_mugs):
    shipped_mugs.items.get().product.__class__.objects.update(name="Renamed")
    assert WarehouseNotice.objects.get().items[0]["name"] == "Mug"


def test_redispatch_and_redelivery_make_no_second_notice(
    shipped_mugs, django_capture_on_commit_callbacks
):
    event = OrderEvent.objects.get(order=shipped_mugs, type="shipped")
    OrderEvent.objects.filter(pk=event.pk).update(dispatched_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        dispatch_event(event_id=event.pk)
    deliver_notice.delay(WarehouseNotice.objects.get().pk)

    assert WarehouseNotice.objects.count() == 1
    assert len(mail.outbox) == 1


def test_acknowledge_records_who_and_when_once(shipped_mugs, staff):
    notice = acknowledge_notice(notice=WarehouseNotice.objects.get(), user=staff)

    assert notice.status == WarehouseNotice.Status.ACKNOWLEDGED
    assert notice.acknowledged_by == staff
    assert notice.acknowledged_at is not None
    with pytest.raises(AlreadyAcknowledged):
        acknowledge_notice(notice=notice, user=staff)


def test_an_acknowledged_notice_is_not_sent_again(shipped_mugs, staff):
    notice = acknowledge_notice(notice=WarehouseNotice.objects.get(), user=staff)
    mail.outbox.clear()
    deliver_notice.delay(notice.pk)
    assert mail.outbox == []
