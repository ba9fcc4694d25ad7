"""``manage.py signals`` shows the live wiring: every signal sent or received, every receiver."""

import json
from io import StringIO

from django.core.management import call_command

from orders.signals import order_placed
from tests.support.wiring import ORDER_RECEIVERS, disconnected

# Each receiver as (dotted path, dispatch_uid, sender, async).
PUSH = (
    "notifications.receivers.push_order_event",
    "notifications.push_order_event",
    "orders.Order",
    False,
)
EMAIL = (
    "notifications.receivers.queue_shipment_email",
    "notifications.queue_shipment_email",
    "orders.Order",
    False,
)
TRACKING_EMAIL = (
    "notifications.receivers.queue_tracking_email",
    "notifications.queue_tracking_email",
    "orders.Order",
    False,
)
NOTICE = (
    "warehouse.receivers.record_warehouse_notice",
    "warehouse.record_warehouse_notice",
    "orders.Order",
    False,
)
WEBHOOKS = ("webhooks.receivers.queue_webhooks", "webhooks.queue_webhooks", "orders.Order", False)
REQUEST_ERROR = (
    "shop.request_errors.log_unhandled_exception",
    "shop.log_unhandled_exception",
    "any",
    False,
)
STAFF_GROUP = (
    "warehouse.receivers.create_staff_group",
    "warehouse.create_staff_group",
    "app warehouse",
    False,
)
SQLITE = ("shop.sqlite.configure_sqlite", "shop.configure_sqlite", "any", False)
LOGIN_FAILED = ("shop.api.login.record_login_failure", "shop.record_login_failure", "any", False)
WATCHERS = (
    "notifications.receivers.track_live_watchers",
    "notifications.track_live_watchers",
    "any",
    True,
)


def token_cache(receiver: str, sender: str) -> tuple[str, str, str, bool]:
    """A receiver of the API token cache's invalidation (shop/api/token_cache.py)."""
    path = f"shop.api.token_cache.{receiver}"
    return (path, path, sender, False)


# The project's whole wiring: every signal it sends or receives, with its receivers.
EXPECTED_WIRING = {
    "orders.signals.order_placed": {PUSH, WEBHOOKS},
    "orders.signals.order_shipped": {EMAIL, NOTICE, PUSH, WEBHOOKS},
    "orders.signals.order_cancelled": {PUSH, WEBHOOKS},
    "orders.signals.shipment_updated": {TRACKING_EMAIL, PUSH, WEBHOOKS},
    "orders.signals.order_delivered": {PUSH, WEBHOOKS},
    "shop.api.signals.websocket_event": {WATCHERS},
    "django.contrib.auth.signals.user_login_failed": {LOGIN_FAILED},
    "django.core.signals.got_request_exception": {REQUEST_ERROR},
    "django.db.models.signals.post_migrate": {STAFF_GROUP},
    "django.db.models.signals.post_save": {
        token_cache("forget_token", "authtoken.Token"),
        token_cache("forget_user", "auth.User"),
        token_cache("forget_permission", "auth.Permission"),
    },
    "django.db.models.signals.post_delete": {token_cache("forget_token", "authtoken.Token")},
    "django.db.models.signals.pre_delete": {
        token_cache("forget_group", "auth.Group"),
        token_cache("forget_permission", "auth.Permission"),
    },
    "django.db.models.signals.m2m_changed": {
        token_cache("forget_membership", "auth.User_groups"),
        token_cache("forget_user_permissions", "auth.User_user_permissions"),
        token_cache("forget_group_permissions", "auth.Group_permissions"),
    },
    "django.db.backends.signals.connection_created": {SQLITE},
}
EXPECTED_ROWS = {(signal, *r) for signal, receivers in EXPECTED_WIRING.items() for r in receivers}


def run(*args: str) -> str:
    out = StringIO()
    call_command("signals", *args, stdout=out)
    return out.getvalue()


def rows(listing: list[dict]) -> set[tuple]:
    return {
        (item["signal"], r["receiver"], r["dispatch_uid"], r["sender"], r["is_async"])
        for item in listing
        for r in item["receivers"]
    }


def test_json_shows_exactly_the_expected_wiring():
    listing = json.loads(run("--json"))

    assert rows(listing) == EXPECTED_ROWS
    assert [item["signal"] for item in listing if item["sent_by_project"]] == [
        "orders.signals.order_placed",
        "orders.signals.order_shipped",
        "orders.signals.order_cancelled",
        "orders.signals.shipment_updated",
        "orders.signals.order_delivered",
        "shop.api.signals.websocket_event",
    ]


def test_order_shipped_has_exactly_the_email_warehouse_push_and_webhook_receivers():
    [shipped] = [i for i in json.loads(run("--json")) if i["signal"].endswith(".order_shipped")]
    assert sorted(r["receiver"] for r in shipped["receivers"]) == [
        "notifications.receivers.push_order_event",
        "notifications.receivers.queue_shipment_email",
        "warehouse.receivers.record_warehouse_notice",
        "webhooks.receivers.queue_webhooks",
    ]


def test_the_table_has_a_row_per_receiver():
    lines = run().splitlines()

    assert lines[0].split() == ["SIGNAL", "RECEIVER", "DISPATCH_UID", "SENDER", "ASYNC"]
    assert {tuple(line.split()) for line in lines[1:]} == {
        (signal, receiver, uid, *sender.split(), "yes" if is_async else "no")
        for signal, receiver, uid, sender, is_async in EXPECTED_ROWS
    }


def test_the_map_is_live_so_a_disconnected_receiver_is_gone():
    placed = [wire for wire in ORDER_RECEIVERS if wire.signal is order_placed]
    with disconnected(*placed):
        lines = run().splitlines()

    [row] = [line.split() for line in lines if line.startswith("orders.signals.order_placed ")]
    assert row == ["orders.signals.order_placed", "(no", "receivers)", "-", "-", "-"]


def test_all_adds_django_receivers():
    listing = json.loads(run("--json", "--all"))
    receivers = rows(listing)

    assert receivers > EXPECTED_ROWS
    assert any(r[1] == "django.contrib.auth.management.create_permissions" for r in receivers)
