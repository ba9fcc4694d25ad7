"""Warehouse notice history (read-only) and the notice panel on the order page."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from delivery.admin_actions import queue_retries
from orders.admin import ReadOnlyAdminMixin, order_panel
from orders.models import Order
from warehouse.models import WarehouseNotice
from warehouse.permissions import VIEW_NOTICES
from warehouse.services import reopen_failed_notices
from warehouse.tasks import deliver_notice


@order_panel("Warehouse notice")
def warehouse_notice_state(order: Order) -> str:
    notice = WarehouseNotice.objects.filter(order=order).select_related("acknowledged_by").first()
    if notice is None:
        return "None (not shipped)."
    if notice.status == WarehouseNotice.Status.ACKNOWLEDGED:
        at = timezone.localtime(notice.acknowledged_at).strftime("%d %b %Y %H:%M")
        return f"Acknowledged by {notice.acknowledged_by} at {at}."
    if notice.status == WarehouseNotice.Status.FAILED:
        return f"Failed after {notice.attempts} attempt(s): {notice.last_error}"
    return f"{notice.get_status_display()} ({notice.attempts} attempt(s))."


@admin.register(WarehouseNotice)
class WarehouseNoticeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only history of warehouse notices; acknowledging goes through the API and page.

    Failed notices can be retried through the same task.
    """

    list_display = [
        "order",
        "status",
        "attempts",
        "created_at",
        "sent_at",
        "acknowledged_by",
        "acknowledged_at",
    ]
    list_filter = ["status"]
    search_fields = ["order__number", "shipment__tracking_number"]
    list_select_related = ["order", "acknowledged_by"]
    actions = ["retry"]

    @admin.action(description="Retry sending the selected failed notices", permissions=["retry"])
    def retry(self, request: HttpRequest, queryset: QuerySet[WarehouseNotice]) -> None:
        queue_retries(
            self,
            request,
            queryset,
            reopen=lambda ids: reopen_failed_notices(notice_ids=ids),
            task=deliver_notice,
            noun="notice",
            retryable="failed notices",
        )

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.is_staff and request.user.has_perm(VIEW_NOTICES)
