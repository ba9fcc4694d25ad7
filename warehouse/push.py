"""Live warehouse notice updates, sent to the channel group ``warehouse.consumers`` relays."""

from typing import Any

from shop.api import publish
from warehouse.models import WarehouseNotice

WAREHOUSE_CHANNEL_GROUP = "warehouse"


def notice_message(notice: WarehouseNotice) -> dict[str, Any]:
    return {
        "type": "warehouse.notice",
        "notice_id": notice.pk,
        "order_id": notice.order_id,
        "order_number": notice.order.number,
        "status": notice.status,
        "items": notice.items,
        "carrier": notice.shipment.carrier,
        "tracking_number": notice.shipment.tracking_number,
        "created_at": notice.created_at.isoformat(),
        "acknowledged_by": notice.acknowledged_by.get_username()
        if notice.acknowledged_by
        else None,
        "acknowledged_at": notice.acknowledged_at.isoformat() if notice.acknowledged_at else None,
    }


def push_notice(notice: WarehouseNotice) -> None:
    publish.group_send([(WAREHOUSE_CHANNEL_GROUP, notice_message(notice))])
