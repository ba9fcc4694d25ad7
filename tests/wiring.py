"""The project's signal wiring as the tests expect it, for isolating and restoring receivers."""

from collections.abc import Callable

from django.dispatch import Signal

from notifications.receivers import PUSH_UID, SHIPMENT_EMAIL_UID, push_order_event
from notifications.receivers import queue_shipment_email as email_receiver
from orders.signals import order_cancelled, order_placed, order_shipped
from warehouse.receivers import NOTICE_UID, record_warehouse_notice

PROJECT_SIGNALS: tuple[Signal, ...] = (order_placed, order_shipped, order_cancelled)

# Every receiver the apps connect (all with sender=Order), as (signal, receiver, dispatch_uid).
PROJECT_RECEIVERS: tuple[tuple[Signal, Callable, str], ...] = (
    (order_shipped, email_receiver, SHIPMENT_EMAIL_UID),
    (order_shipped, record_warehouse_notice, NOTICE_UID),
    (order_placed, push_order_event, PUSH_UID),
    (order_shipped, push_order_event, PUSH_UID),
    (order_cancelled, push_order_event, PUSH_UID),
)


def receiver_keys(signal: Signal) -> list[tuple]:
    """The (dispatch_uid, sender id) lookup keys of a signal's connected receivers."""
    return sorted(entry[0] for entry in signal.receivers)
