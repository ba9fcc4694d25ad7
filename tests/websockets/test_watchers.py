"""The ``websocket_event`` signal and its receiver that records live watchers."""

import asyncio
import logging
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from notifications import receivers
from notifications.models import LiveWatcher
from notifications.receivers import this_process
from notifications.tasks import forget_stale_watchers
from shop.api.consumers import HEARTBEAT_SECONDS, BaseConsumer
from shop.api.signals import websocket_event
from tests.support.ws import communicator, receive, send

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("async_db_closed"),
]


async def test_watchers_are_recorded_and_removed_and_a_message_writes_nothing(
    order, customer_token
):
    comm = communicator(f"/ws/orders/{order.pk}/", token=customer_token, origin=None)
    await comm.connect()
    await send(comm, {"type": "ping"})
    await receive(comm)  # the consumer handles frames in order: connect has finished

    watcher = await LiveWatcher.objects.select_related("user").aget()
    assert (watcher.user.pk, watcher.order_id, watcher.path, watcher.process) == (
        order.customer_id,
        order.pk,
        f"/ws/orders/{order.pk}/",
        this_process(),
    )
    first_seen = watcher.last_seen_at
    await send(comm, {"type": "ping"})
    await receive(comm)
    # The process's heartbeat keeps the row fresh; a client message costs no write.
    assert (await LiveWatcher.objects.aget()).last_seen_at == first_seen

    await comm.disconnect()
    assert not await LiveWatcher.objects.aexists()


async def test_the_signal_carries_event_data_user_and_path(order, customer_token):
    seen = []

    def spy(sender, *, event, data, user, path, channel_name, **kwargs):
        seen.append((event, data, user.pk, path))

    websocket_event.connect(spy, dispatch_uid="test.spy")
    try:
        comm = communicator(f"/ws/orders/{order.pk}/", token=customer_token, origin=None)
        await comm.connect()
        await send(comm, {"type": "ping"})
        await receive(comm)
        await comm.disconnect()
    finally:
        websocket_event.disconnect(dispatch_uid="test.spy")

    path = f"/ws/orders/{order.pk}/"
    user = order.customer_id
    assert seen == [
        ("connect", {"order_id": order.pk}, user, path),
        ("message", {"type": "ping"}, user, path),
        ("disconnect", {"code": 1000}, user, path),
    ]


async def test_a_failing_receiver_is_logged_and_the_socket_keeps_working(
    order, customer_token, caplog
):

    async def broken(sender, **kwargs):
        raise RuntimeError("analytics down")

    websocket_event.connect(broken, dispatch_uid="test.broken")
    try:
        comm = communicator(f"/ws/orders/{order.pk}/", token=customer_token, origin=None)
        with caplog.at_level(logging.ERROR):
            assert (await comm.connect())[0]
            await send(comm, {"type": "ping"})
            assert await receive(comm) == {"type": "pong"}
        await comm.disconnect()
    finally:
        websocket_event.disconnect(dispatch_uid="test.broken")

    # Once per failure (connect, the ping, disconnect), by asend_robust, with the traceback.
    failures = [record for record in caplog.records if "analytics down" in record.getMessage()]
    assert [record.name for record in failures] == ["django.dispatch"] * 3
    assert all("broken" in record.getMessage() for record in failures)
    assert all(record.exc_info for record in failures)


async def test_heartbeats_keep_every_watcher_of_the_process_fresh_and_no_other(
    order, customer_token, monkeypatch
):
    monkeypatch.setattr(BaseConsumer, "heartbeat_seconds", 0.05)
    long_ago = timezone.now() - timedelta(hours=1)
    await LiveWatcher.objects.acreate(
        channel_name="elsewhere",
        process="other-host:1:x",
        user_id=order.customer_id,
        path="/ws/orders/",
        last_seen_at=long_ago,
    )
    comms = [
        communicator(path, token=customer_token, origin=None)
        for path in (f"/ws/orders/{order.pk}/", "/ws/orders/")
    ]
    for comm in comms:
        await comm.connect()
        await send(comm, {"type": "ping"})
        while (await receive(comm))["type"] != "pong":
            pass
    mine = LiveWatcher.objects.filter(process=this_process())
    first_seen = {w.channel_name: w.last_seen_at async for w in mine}
    assert len(first_seen) == 2

    await asyncio.sleep(0.3)  # the clients send nothing meanwhile

    assert all([w.last_seen_at > first_seen[w.channel_name] async for w in mine.all()])
    assert (await LiveWatcher.objects.aget(channel_name="elsewhere")).last_seen_at == long_ago
    for comm in comms:
        await comm.disconnect()
    assert [w.channel_name async for w in LiveWatcher.objects.all()] == ["elsewhere"]


async def test_watchers_that_missed_their_heartbeats_are_forgotten(order):
    now = timezone.now()
    silence = timedelta(seconds=HEARTBEAT_SECONDS * LiveWatcher.MISSED_HEARTBEATS)
    for name, seen in (("ghost", now - silence - timedelta(seconds=1)), ("alive", now)):
        await LiveWatcher.objects.acreate(
            channel_name=name, user_id=order.customer_id, path="/ws/orders/", last_seen_at=seen
        )

    result = await sync_to_async(forget_stale_watchers.delay)()  # eager: runs in place

    assert result.get() == 1

    assert [w.channel_name async for w in LiveWatcher.objects.all()] == ["alive"]


async def test_a_row_whose_delete_failed_goes_with_the_next_heartbeat(
    order, customer_token, monkeypatch
):
    """The heartbeat keeps every row of a live process, so a row left by a delete that failed
    (the database was down at that disconnect) is deleted again with the process's touch."""
    monkeypatch.setattr(BaseConsumer, "heartbeat_seconds", 0.05)
    await LiveWatcher.objects.acreate(
        channel_name="closed-during-an-outage",
        process=this_process(),
        user_id=order.customer_id,
        path="/ws/orders/",
        last_seen_at=timezone.now(),
    )
    monkeypatch.setattr(receivers, "_undeleted", {"closed-during-an-outage"})
    comm = communicator(f"/ws/orders/{order.pk}/", token=customer_token, origin=None)
    await comm.connect()

    await asyncio.sleep(0.3)

    assert [w.path async for w in LiveWatcher.objects.all()] == [f"/ws/orders/{order.pk}/"]
    assert receivers._undeleted == set()
    await comm.disconnect()
