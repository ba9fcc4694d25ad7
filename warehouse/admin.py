from django.contrib import admin

from warehouse.models import WarehouseNotice


@admin.register(WarehouseNotice)
class WarehouseNoticeAdmin(admin.ModelAdmin):
    """Read-only history of warehouse notices; acknowledging goes through the API."""

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
