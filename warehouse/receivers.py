"""Receivers: enqueue the warehouse notice of a shipment, and build the warehouse role after
migrations."""

from typing import Any

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.apps.registry import Apps

from delivery.publishing import enqueue
from orders.models import Order, OrderEvent, Shipment
from warehouse import tasks
from warehouse.roles import sync_warehouse_staff_group

RECORD_WAREHOUSE_NOTICE_UID = "warehouse.record_warehouse_notice"
CREATE_STAFF_GROUP_UID = "warehouse.create_staff_group"


def record_warehouse_notice(
    sender: type[Order], *, order: Order, shipment: Shipment, event: OrderEvent, **kwargs: Any
) -> None:
    """Enqueue the notice's task with the event id; no SQL and no push in the request.

    The task records the notice (once per shipment), shows it to staff live and delivers it.
    A failed enqueue leaves the event pending for the re-dispatch; a message lost after the
    broker took it is found by ``sweep_missing_notices``.
    """
    enqueue(tasks.send_warehouse_notice, event.pk)


def create_staff_group(
    sender: AppConfig, *, using: str, apps: Apps = global_apps, **kwargs: Any
) -> None:
    """``post_migrate`` for this app: build the "Warehouse staff" group.

    ``migrate`` passes the migrated state as ``apps``; ``flush`` (which empties the groups
    table too, as transactional tests do) passes none, so the installed apps are used.
    """
    sync_warehouse_staff_group(apps=apps, using=using)
