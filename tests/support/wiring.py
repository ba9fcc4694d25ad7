"""The project's signal wiring as the tests expect it, and the safe way to change it in a test.

Every receiver a test disconnects is reconnected in a ``finally`` (``disconnected`` below, or
the ``only_receivers`` fixture); the autouse guard in conftest fails a test that forgets.
"""

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.signals import user_login_failed
from django.core.signals import got_request_exception
from django.db.backends.signals import connection_created
from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save, pre_delete
from django.dispatch import Signal
from rest_framework.authtoken.models import Token

from notifications.receivers import (
    PUSH_ORDER_EVENT_UID,
    QUEUE_SHIPMENT_EMAIL_UID,
    QUEUE_TRACKING_EMAIL_UID,
    TRACK_LIVE_WATCHERS_UID,
    push_order_event,
    queue_shipment_email,
    queue_tracking_email,
    track_live_watchers,
)
from orders.models import Order
from orders.signals import (
    order_cancelled,
    order_delivered,
    order_placed,
    order_shipped,
    shipment_updated,
)
from shop import request_errors, sqlite
from shop.api import login as shop_login
from shop.api import token_cache
from shop.api.signals import websocket_event
from shop.management.commands.signals import dotted_path, is_project_module, live_receivers
from warehouse import receivers as warehouse_receivers
from webhooks.receivers import QUEUE_WEBHOOKS_UID, queue_webhooks


@dataclass(frozen=True)
class Wire:
    """One ``signal.connect(receiver, sender=sender, dispatch_uid=dispatch_uid)``."""

    signal: Signal
    receiver: Callable
    dispatch_uid: str
    sender: object = None  # None: any sender


# The fan-out of the order signals, all with sender=Order.
ORDER_RECEIVERS: tuple[Wire, ...] = (
    Wire(order_shipped, queue_shipment_email, QUEUE_SHIPMENT_EMAIL_UID, Order),
    Wire(
        order_shipped,
        warehouse_receivers.record_warehouse_notice,
        warehouse_receivers.RECORD_WAREHOUSE_NOTICE_UID,
        Order,
    ),
    Wire(order_placed, push_order_event, PUSH_ORDER_EVENT_UID, Order),
    Wire(order_shipped, push_order_event, PUSH_ORDER_EVENT_UID, Order),
    Wire(order_cancelled, push_order_event, PUSH_ORDER_EVENT_UID, Order),
    Wire(shipment_updated, queue_tracking_email, QUEUE_TRACKING_EMAIL_UID, Order),
    Wire(shipment_updated, push_order_event, PUSH_ORDER_EVENT_UID, Order),
    Wire(order_delivered, push_order_event, PUSH_ORDER_EVENT_UID, Order),
    Wire(order_placed, queue_webhooks, QUEUE_WEBHOOKS_UID, Order),
    Wire(order_shipped, queue_webhooks, QUEUE_WEBHOOKS_UID, Order),
    Wire(order_cancelled, queue_webhooks, QUEUE_WEBHOOKS_UID, Order),
    Wire(shipment_updated, queue_webhooks, QUEUE_WEBHOOKS_UID, Order),
    Wire(order_delivered, queue_webhooks, QUEUE_WEBHOOKS_UID, Order),
)

# Sent by the websocket consumers, from any consumer class.
WEBSOCKET_RECEIVERS: tuple[Wire, ...] = (
    Wire(websocket_event, track_live_watchers, TRACK_LIVE_WATCHERS_UID),
)

User = get_user_model()

# The project's receivers of Django's built-in signals.
BUILTIN_RECEIVERS: tuple[Wire, ...] = (
    Wire(
        post_migrate,
        warehouse_receivers.create_staff_group,
        warehouse_receivers.CREATE_STAFF_GROUP_UID,
        apps.get_app_config("warehouse"),
    ),
    Wire(connection_created, sqlite.configure_sqlite, sqlite.CONFIGURE_SQLITE_UID),
    Wire(
        got_request_exception,
        request_errors.log_unhandled_exception,
        request_errors.LOG_UNHANDLED_EXCEPTION_UID,
    ),
    Wire(user_login_failed, shop_login.record_login_failure, shop_login.RECORD_LOGIN_FAILURE_UID),
    # The API token cache forgets whatever a change could make untrue.
    Wire(post_save, token_cache.forget_token, token_cache.FORGET_TOKEN_UID, Token),
    Wire(post_delete, token_cache.forget_token, token_cache.FORGET_TOKEN_UID, Token),
    Wire(post_save, token_cache.forget_user, token_cache.FORGET_USER_UID, User),
    Wire(
        m2m_changed,
        token_cache.forget_membership,
        token_cache.FORGET_MEMBERSHIP_UID,
        User.groups.through,
    ),
    Wire(
        m2m_changed,
        token_cache.forget_user_permissions,
        token_cache.FORGET_USER_PERMISSIONS_UID,
        User.user_permissions.through,
    ),
    Wire(
        m2m_changed,
        token_cache.forget_group_permissions,
        token_cache.FORGET_GROUP_PERMISSIONS_UID,
        Group.permissions.through,
    ),
    Wire(pre_delete, token_cache.forget_group, token_cache.FORGET_GROUP_UID, Group),
    Wire(pre_delete, token_cache.forget_permission, token_cache.FORGET_PERMISSION_UID, Permission),
    Wire(post_save, token_cache.forget_permission, token_cache.FORGET_PERMISSION_UID, Permission),
)

PROJECT_RECEIVERS = ORDER_RECEIVERS + WEBSOCKET_RECEIVERS + BUILTIN_RECEIVERS


def builtin_receiver(dispatch_uid: str) -> Wire:
    [wire] = [wire for wire in BUILTIN_RECEIVERS if wire.dispatch_uid == dispatch_uid]
    return wire


@contextmanager
def disconnected(*wires: Wire) -> Iterator[None]:
    """Disconnect the receivers for the block, and reconnect them however the block ends."""
    with ExitStack() as stack:
        for wire in wires:
            if wire.signal.disconnect(sender=wire.sender, dispatch_uid=wire.dispatch_uid):
                stack.callback(
                    wire.signal.connect,
                    wire.receiver,
                    sender=wire.sender,
                    dispatch_uid=wire.dispatch_uid,
                )
        yield


def receiver_keys(signal: Signal) -> list[tuple]:
    """The lookup keys (dispatch_uid or id, sender id) of the project's and the tests'
    receivers; Django's and libraries' own receivers (some connect lazily) are left out."""
    packages = ("tests", *settings.PROJECT_APPS)
    return sorted(
        (
            key
            for key, receiver, _is_async in live_receivers(signal)
            if is_project_module(dotted_path(receiver), packages)
        ),
        key=repr,
    )


def pushes_dropped():
    """Events dispatched in the block get their feed position but no live push, as when the
    at-most-once channel layer drops a message."""
    return disconnected(
        *(wire for wire in ORDER_RECEIVERS if wire.dispatch_uid == PUSH_ORDER_EVENT_UID)
    )
