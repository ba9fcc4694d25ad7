from django.contrib import admin

from notifications.models import EmailLog, LiveWatcher


@admin.register(EmailLog)
class EmailLogAdmin(admin.ModelAdmin):
    """Read-only history of customer emails."""

    list_display = ["recipient", "kind", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["recipient", "subject", "event__order__number"]
    list_select_related = ["event"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(LiveWatcher)
class LiveWatcherAdmin(admin.ModelAdmin):
    """Who has a live websocket subscription open right now, and to what."""

    list_display = ["user", "path", "order", "connected_at", "last_seen_at"]
    list_filter = ["path"]
    search_fields = ["user__username", "order__number"]
    list_select_related = ["user", "order"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
