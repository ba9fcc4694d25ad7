"""Receiver of ``order_shipped``: one warehouse notice per shipment."""

from typing import Any

from orders.models import Order, OrderEvent, Shipment
from warehouse.models import WarehouseNotice
from warehouse.push import push_notice
from warehouse.services import record_notice
from warehouse.tasks import send_notice

NOTICE_UID = "warehouse.record_notice"


def record_warehouse_notice(
    sender: type[Order], *, order: Order, shipment: Shipment, event: OrderEvent, **kwargs: Any
) -> None:
    """Create the notice (idempotent), show it to staff live, and enqueue its delivery."""
    notice, created = record_notice(order=order, shipment=shipment)
    if notice.status == WarehouseNotice.Status.PENDING:
        send_notice.delay_on_commit(notice.pk)
    if created:
        push_notice(notice)
