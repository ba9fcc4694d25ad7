"""The signal wiring: who receives what, and the guard that keeps tests from changing it."""

import pytest
from django.apps import apps
from django.db.models.signals import post_save

from orders.models import Order
from shop.management.commands.signals import dotted_path, known_signals, signal_map
from tests.conftest import _receivers_restored
from tests.support.wiring import PROJECT_RECEIVERS, builtin_receiver, disconnected


def live_wiring() -> set[tuple[str, str, str | None, str]]:
    return {
        (item.signal, receiver.receiver, receiver.dispatch_uid, receiver.sender)
        for item in signal_map()
        for receiver in item.receivers
    }


def expected_wiring() -> set[tuple[str, str, str, str]]:
    paths = {id(signal): path for path, signal in known_signals()}
    warehouse = apps.get_app_config("warehouse")
    senders = {id(None): "any", id(warehouse): "app warehouse"}

    def sender(wire) -> str:
        if id(wire.sender) in senders:
            return senders[id(wire.sender)]
        return wire.sender._meta.label  # a model: Order, or auth's for the token cache

    return {
        (paths[id(wire.signal)], dotted_path(wire.receiver), wire.dispatch_uid, sender(wire))
        for wire in PROJECT_RECEIVERS
    }


def test_tests_know_every_receiver_the_apps_connect():
    """tests/support/wiring.py is what the tests disconnect and restore: it must match the live
    map."""
    assert live_wiring() == expected_wiring()


def test_running_ready_again_connects_nothing_twice():
    before = signal_map()
    for label in ("shop", "orders", "notifications", "warehouse"):
        apps.get_app_config(label).ready()
    assert signal_map() == before


def test_the_guard_fails_a_test_that_leaves_a_receiver_disconnected():
    # pytest's fixture wrapper sets __wrapped__ (functools.update_wrapper) without declaring it.
    guard = _receivers_restored.__wrapped__()  # type: ignore[attr-defined]
    next(guard)
    wire = builtin_receiver("shop.configure_sqlite")
    wire.signal.disconnect(dispatch_uid=wire.dispatch_uid)
    try:
        with pytest.raises(AssertionError, match="connection_created"):
            next(guard)
    finally:
        wire.signal.connect(wire.receiver, dispatch_uid=wire.dispatch_uid)


def test_the_guard_fails_a_test_that_leaves_a_spy_connected():
    def spy(sender, **kwargs):
        pass

    # pytest's fixture wrapper sets __wrapped__ (functools.update_wrapper) without declaring it.
    guard = _receivers_restored.__wrapped__()  # type: ignore[attr-defined]
    next(guard)
    post_save.connect(spy, sender=Order)
    try:
        with pytest.raises(AssertionError, match="post_save"):
            next(guard)
    finally:
        post_save.disconnect(spy, sender=Order)


def test_the_guard_passes_a_test_that_restores_its_receivers():
    # pytest's fixture wrapper sets __wrapped__ (functools.update_wrapper) without declaring it.
    guard = _receivers_restored.__wrapped__()  # type: ignore[attr-defined]
    next(guard)
    with disconnected(*PROJECT_RECEIVERS):
        pass
    with pytest.raises(StopIteration):
        next(guard)
