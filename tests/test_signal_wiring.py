"""The signal wiring: who receives what, and the guard that keeps tests from changing it."""

import pytest

from orders.models import Order
from orders.signals import order_shipped
from tests.conftest import _receivers_restored
from tests.wiring import PROJECT_RECEIVERS, PROJECT_SIGNALS, receiver_keys


def test_each_signal_has_exactly_the_expected_receivers():
    for signal in PROJECT_SIGNALS:
        expected = sorted(uid for sent, _receiver, uid in PROJECT_RECEIVERS if sent is signal)
        assert sorted(key[0] for key in receiver_keys(signal)) == expected


def test_order_shipped_fans_out_to_email_warehouse_and_push():
    uids = {key[0] for key in receiver_keys(order_shipped)}
    assert uids == {
        "notifications.queue_shipment_email",
        "notifications.push_order_event",
        "warehouse.record_notice",
    }


def test_the_guard_fails_a_test_that_leaves_a_receiver_disconnected():
    guard = _receivers_restored.__wrapped__()
    next(guard)
    signal, receiver, uid = PROJECT_RECEIVERS[0]
    signal.disconnect(sender=Order, dispatch_uid=uid)
    try:
        with pytest.raises(AssertionError, match="left receivers changed"):
            next(guard)
    finally:
        signal.connect(receiver, sender=Order, dispatch_uid=uid)


def test_the_guard_passes_a_test_that_restores_its_receivers():
    guard = _receivers_restored.__wrapped__()
    next(guard)
    signal, receiver, uid = PROJECT_RECEIVERS[0]
    signal.disconnect(sender=Order, dispatch_uid=uid)
    signal.connect(receiver, sender=Order, dispatch_uid=uid)
    with pytest.raises(StopIteration):
        next(guard)
