"""Who may manage webhooks: staff holding the webhooks app's model permission for the action."""

from rest_framework.permissions import BasePermission

# Each API action and the permission it needs. A new action must be listed: unknown ones
# are refused.
NEEDED = {
    ("endpoint", "list"): "webhooks.view_endpoint",
    ("endpoint", "retrieve"): "webhooks.view_endpoint",
    ("endpoint", "deliveries"): "webhooks.view_delivery",
    ("endpoint", "create"): "webhooks.add_endpoint",
    ("endpoint", "partial_update"): "webhooks.change_endpoint",
    ("endpoint", "rotate_secret"): "webhooks.change_endpoint",
    ("endpoint", "destroy"): "webhooks.delete_endpoint",
    ("delivery", "retry"): "webhooks.change_delivery",
}


class WebhookPermission(BasePermission):
    """Staff with the action's permission; everyone else gets a 403 (401 unauthenticated)."""

    message = "You need the webhooks permissions for this."

    def has_permission(self, request, view) -> bool:
        if view.action is None:  # a method the URL does not offer: let the 405 through
            return True
        needed = NEEDED.get((view.queryset.model._meta.model_name, view.action))
        return bool(needed) and request.user.is_staff and request.user.has_perm(needed)
