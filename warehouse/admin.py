"""Warehouse notice history (read-only) and the notice panel on the order page."""

from django.contrib import admin
from django.utils import timezone

from orders.admin import order_panel
from orders.models import Order
from warehouse.models import WarehouseNotice


@order_panel("Warehouse notice")
def warehouse_notice_state(order: Order) -> str:
    notice = WarehouseNotice.objects.filter(order=order).select_related("acknowledged_by").first()
    if notice is None:
        return "None (not shipped)."
    if notice.status == WarehouseNotice.Status.ACKNOWLEDGED:
        at = timezone.localtime(notice.acknowledged_at).strftime("%d %b %Y %H:%M")
        return f"Acknowledged by {notice.acknowledged_by} at {at}."
    return notice.get_status_display() + "."


@admin.register(WarehouseNotice)
class WarehouseNoticeAdmin(admin.ModelAdmin):
    """Read-only history of warehouse notices; acknowledging goes through the API and page."""

    list_display = [
        "order",
        "status",
        "created_at",
        "sent_at",
        "acknowledged_by",
        "acknowledged_at",
    ]
    list_filter = ["status"]
    search_fields = ["order__number", "shipment__tracking_number"]
    list_select_related = ["order", "acknowledged_by"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
