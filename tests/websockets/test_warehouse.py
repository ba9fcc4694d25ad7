"""``ws/warehouse/``: staff see new notices and acknowledgements live."""

import pytest
from channels.db import database_sync_to_async
from rest_framework.authtoken.models import Token

from tests.support.ws import communicator, receive
from warehouse.models import WarehouseNotice
from warehouse.services import acknowledge_notice


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("async_db_closed")
async def test_staff_see_a_new_notice_and_its_acknowledgement(warehouse_clerk, order, ship):
    token = await database_sync_to_async(Token.objects.create)(user=warehouse_clerk)
    comm = communicator("/ws/warehouse/", token=token.key, origin=None)
    assert (await comm.connect())[0]

    await database_sync_to_async(ship)(
        order, shipped_by=warehouse_clerk, carrier="fedex", tracking_number="7489-0001"
    )
    created = await receive(comm)
    notice = await WarehouseNotice.objects.aget(order=order)
    await database_sync_to_async(acknowledge_notice)(notice=notice, user=warehouse_clerk)
    acknowledged = await receive(comm)

    assert created["type"] == "warehouse.notice"
    assert (created["notice_id"], created["order_number"], created["status"]) == (
        notice.pk,
        order.number,
        "pending",
    )
    assert len(created["items"]) == 2
    assert (acknowledged["notice_id"], acknowledged["status"], acknowledged["acknowledged_by"]) == (
        notice.pk,
        "acknowledged",
        warehouse_clerk.username,
    )
    assert await comm.receive_nothing()
    await comm.disconnect()
