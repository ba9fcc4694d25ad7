"""Read queries of the webhooks API and admin."""

from django.db.models import Count, Prefetch, Q, QuerySet

from webhooks.models import Attempt, Delivery, Endpoint


def endpoint_deliveries(*, endpoint: Endpoint) -> QuerySet[Delivery]:
    """The endpoint's deliveries, newest first."""
    return with_attempts(endpoint.deliveries.order_by("-created_at", "-id"))


def with_attempts(deliveries: QuerySet[Delivery]) -> QuerySet[Delivery]:
    """Load every delivery's attempts, oldest first, in one extra query."""
    return deliveries.prefetch_related(
        Prefetch("attempt_log", queryset=Attempt.objects.order_by("attempted_at", "id"))
    )


def with_success_counts(endpoints: QuerySet[Endpoint]) -> QuerySet[Endpoint]:
    """Each endpoint with ``finished`` (succeeded or failed) and ``succeeded`` deliveries."""
    return endpoints.annotate(
        finished=Count("deliveries", filter=~Q(deliveries__status=Delivery.Status.PENDING)),
        succeeded=Count("deliveries", filter=Q(deliveries__status=Delivery.Status.SUCCEEDED)),
    )
