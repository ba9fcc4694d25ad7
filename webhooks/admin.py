"""Endpoints with their success rate and actions; deliveries with every attempt, retryable.

Both are read-only: endpoints are registered through the API, which shows the secret once
and checks the URL, and deliveries change only by being sent.
"""

from typing import TYPE_CHECKING, TypedDict

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from kombu.exceptions import OperationalError as BrokerError

from orders.admin import ReadOnlyAdminMixin, ReadOnlyInline
from webhooks import selectors, services, tasks
from webhooks.models import Attempt, Delivery, Endpoint

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations


class SuccessCounts(TypedDict):
    """What ``selectors.with_success_counts`` annotates each endpoint with."""

    finished: int
    succeeded: int


@admin.register(Endpoint)
class EndpointAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["url", "description", "active", "success_rate", "disabled_reason"]
    list_filter = ["active"]
    search_fields = ["url", "description"]
    fields = [
        "url",
        "description",
        "events",
        "active",
        "disabled_reason",
        "failing_since",
        "created_by",
        "created_at",
    ]
    actions = ["enable", "disable", "send_test_event"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Endpoint]:
        return selectors.with_success_counts(super().get_queryset(request))

    def delete_model(self, request: HttpRequest, obj: Endpoint) -> None:
        services.delete_endpoint(endpoint_id=obj.pk)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Endpoint]) -> None:
        for endpoint_id in queryset.values_list("pk", flat=True):
            services.delete_endpoint(endpoint_id=endpoint_id)

    @admin.display(description="Success rate")
    def success_rate(self, endpoint: "WithAnnotations[Endpoint, SuccessCounts]") -> str:
        if not endpoint.finished:
            return "no deliveries yet"
        rate = 100 * endpoint.succeeded / endpoint.finished
        return f"{rate:.0f}% of {endpoint.finished}"

    @admin.action(description="Enable the selected endpoints", permissions=["manage"])
    def enable(self, request: HttpRequest, queryset: QuerySet[Endpoint]) -> None:
        changed = services.set_active(endpoint_ids=_ids(queryset), active=True)
        self.message_user(request, f"{changed} endpoint(s) enabled.", messages.SUCCESS)

    @admin.action(description="Disable the selected endpoints", permissions=["manage"])
    def disable(self, request: HttpRequest, queryset: QuerySet[Endpoint]) -> None:
        changed = services.set_active(endpoint_ids=_ids(queryset), active=False)
        self.message_user(request, f"{changed} endpoint(s) disabled.", messages.SUCCESS)

    @admin.action(description="Send a test event to the selected endpoints", permissions=["manage"])
    def send_test_event(self, request: HttpRequest, queryset: QuerySet[Endpoint]) -> None:
        ids = [services.create_test_delivery(endpoint_id=pk) for pk in _ids(queryset)]
        _enqueue(self, request, ids, noun="test event")

    def has_manage_permission(self, request: HttpRequest) -> bool:
        return request.user.is_staff and request.user.has_perm("webhooks.change_endpoint")


class AttemptInline(ReadOnlyInline):
    model = Attempt
    fields = ["attempted_at", "status_code", "duration_ms", "error", "response_excerpt"]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "webhook_id",
        "event_type",
        "endpoint",
        "order",
        "status",
        "attempts",
        "last_error",
        "created_at",
    ]
    list_filter = ["status", "event_type"]
    search_fields = ["webhook_id", "endpoint__url", "order__number"]
    list_select_related = ["endpoint", "order"]
    fields = [
        "webhook_id",
        "event_type",
        "endpoint",
        "order",
        "status",
        "attempts",
        "max_attempts",
        "next_attempt_at",
        "last_error",
        "body",
        "created_at",
        "succeeded_at",
    ]
    inlines = [AttemptInline]
    actions = ["retry"]

    @admin.action(description="Send the selected deliveries again", permissions=["retry"])
    def retry(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        ids = services.reopen_deliveries(delivery_ids=_ids(queryset))
        _enqueue(self, request, ids, noun="delivery")

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.is_staff and request.user.has_perm("webhooks.change_delivery")


def _ids(queryset: QuerySet) -> list[int]:
    return list(queryset.values_list("pk", flat=True))


def _enqueue(modeladmin: admin.ModelAdmin, request: HttpRequest, ids: list[int], *, noun: str):
    """Enqueue an attempt at each delivery; with the broker down the sweep sends them."""
    try:
        for delivery_id in ids:
            tasks.deliver_webhook.delay(delivery_id)
    except BrokerError:
        modeladmin.message_user(
            request,
            "The task queue is unreachable: the sweep sends them once it is back.",
            messages.WARNING,
        )
    modeladmin.message_user(request, f"{len(ids)} {noun}(s) queued.", messages.SUCCESS)
