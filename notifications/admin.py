"""Email history (read-only, with a retry action), live watchers, and the order-page panel."""

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from delivery.admin_actions import queue_retries
from notifications.models import EmailLog, LiveWatcher
from notifications.services import reopen_failed_emails
from notifications.tasks import deliver_email
from orders.admin import ReadOnlyAdminMixin, order_panel
from orders.models import Order


@order_panel("Customer email", shows_customer_contact=True)
def customer_email_state(order: Order) -> str:
    email_log = EmailLog.objects.filter(event__order=order).first()
    if email_log is None:
        return "None sent (not shipped, or the customer asked not to be notified)."
    if email_log.status == EmailLog.Status.SENT:
        sent_at = timezone.localtime(email_log.sent_at).strftime("%d %b %Y %H:%M")
        return f"Sent to {email_log.recipient} at {sent_at} ({email_log.attempts} attempt(s))."
    if email_log.status == EmailLog.Status.FAILED:
        return f"Failed after {email_log.attempts} attempt(s): {email_log.last_error}"
    return f"Pending ({email_log.attempts} attempt(s) so far)."


@admin.register(EmailLog)
class EmailLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only history of customer emails; failed ones can be retried through the task."""

    list_display = [
        "recipient",
        "kind",
        "order_number",
        "status",
        "attempts",
        "created_at",
        "sent_at",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["recipient", "subject", "event__order__number"]
    list_select_related = ["event__order"]
    actions = ["retry"]

    @admin.display(description="Order", ordering="event__order__number")
    def order_number(self, email_log: EmailLog) -> str:
        return email_log.event.order.number

    @admin.action(description="Retry sending the selected failed emails", permissions=["retry"])
    def retry(self, request: HttpRequest, queryset: QuerySet[EmailLog]) -> None:
        queue_retries(
            self,
            request,
            queryset,
            reopen=lambda ids: reopen_failed_emails(email_log_ids=ids),
            task=deliver_email,
            noun="email",
            retryable="failed emails with a recipient",
        )

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("notifications.view_emaillog") and request.user.is_staff


@admin.register(LiveWatcher)
class LiveWatcherAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Who has a live websocket subscription open right now, and to what."""

    list_display = ["user", "path", "order", "connected_at", "last_seen_at"]
    list_filter = ["path"]
    search_fields = ["user__username", "order__number"]
    list_select_related = ["user", "order"]
