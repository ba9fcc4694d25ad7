"""``ws/warehouse/``: staff see new notices, their delivery's outcome and acknowledgements live."""

import pytest
from channels.db import database_sync_to_async
from rest_framework.authtoken.models import Token

from tests.support.ws import communicator, receive
from warehouse.models import WarehouseNotice
from warehouse.services import acknowledge_notice, reopen_failed_notices

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("async_db_closed"),
]


async def _board_socket(clerk):
    token = await database_sync_to_async(Token.objects.create)(user=clerk)
    comm = communicator("/ws/warehouse/", token=token.key, origin=None)
    assert (await comm.connect())[0]
    return comm


async def test_staff_see_a_new_notice_sent_then_acknowledged(warehouse_clerk, order, ship):
    comm = await _board_socket(warehouse_clerk)

    await database_sync_to_async(ship)(
        order, shipped_by=warehouse_clerk, carrier="fedex", tracking_number="7489-0001"
    )
    created, sent = await receive(comm), await receive(comm)
    notice = await WarehouseNotice.objects.aget(order=order)
    await database_sync_to_async(acknowledge_notice)(notice=notice, user=warehouse_clerk)
    acknowledged = await receive(comm)

    assert created["type"] == sent["type"] == "warehouse.notice"
    assert (created["notice_id"], created["order_number"], created["status"]) == (
        notice.pk,
        order.number,
        "pending",
    )
    assert len(created["items"]) == 2
    assert (sent["notice_id"], sent["status"]) == (notice.pk, "sent")
    assert (acknowledged["notice_id"], acknowledged["status"], acknowledged["acknowledged_by"]) == (
        notice.pk,
        "acknowledged",
        warehouse_clerk.username,
    )
    assert await comm.receive_nothing()
    await comm.disconnect()


async def test_a_failure_and_a_reopen_push_the_status_a_retry_does_not(
    warehouse_clerk, order, ship, unreachable_smtp, settings
):
    # Eager tasks, and the retry due at once: both attempts run in ship().
    settings.DELIVERY_MAX_ATTEMPTS = 2
    settings.DELIVERY_RETRY_BASE = 0.001
    comm = await _board_socket(warehouse_clerk)

    await database_sync_to_async(ship)(order)
    created, failed = await receive(comm), await receive(comm)
    assert await comm.receive_nothing(), (
        "the first failed attempt, with a retry due, pushed nothing"
    )
    notice = await WarehouseNotice.objects.aget(order=order)
    await database_sync_to_async(reopen_failed_notices)(notice_ids=[notice.pk])
    reopened = await receive(comm)

    assert (notice.status, notice.attempts) == ("failed", 2)
    assert [message["status"] for message in (created, failed, reopened)] == [
        "pending",
        "failed",
        "pending",
    ]
    assert {message["notice_id"] for message in (created, failed, reopened)} == {notice.pk}
    assert await comm.receive_nothing()
    await comm.disconnect()
