"""Receivers: one warehouse notice per shipment, and the warehouse role after migrations."""

from typing import Any

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.apps.registry import Apps

from orders.models import Order, OrderEvent, Shipment
from warehouse import tasks
from warehouse.models import WarehouseNotice
from warehouse.push import push_notice
from warehouse.roles import sync_warehouse_staff_group
from warehouse.services import record_notice

RECORD_WAREHOUSE_NOTICE_UID = "warehouse.record_warehouse_notice"
CREATE_STAFF_GROUP_UID = "warehouse.create_staff_group"


def record_warehouse_notice(
    sender: type[Order], *, order: Order, shipment: Shipment, event: OrderEvent, **kwargs: Any
) -> None:
    """Create the notice (idempotent), show it to staff live, and enqueue its delivery."""
    notice, created = record_notice(order=order, shipment=shipment)
    if notice.status == WarehouseNotice.Status.PENDING:
        tasks.deliver_notice.delay_on_commit(notice.pk)
    if created:
        push_notice(notice)


def create_staff_group(
    sender: AppConfig, *, using: str, apps: Apps = global_apps, **kwargs: Any
) -> None:
    """``post_migrate`` for this app: build the "Warehouse staff" group.

    ``migrate`` passes the migrated state as ``apps``; ``flush`` (which empties the groups
    table too, as transactional tests do) passes none, so the installed apps are used.
    """
    sync_warehouse_staff_group(apps=apps, using=using)
