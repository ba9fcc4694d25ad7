from rest_framework.permissions import BasePermission


class NoticePermission(BasePermission):
    """Seeing notices needs ``view_warehousenotice``; acknowledging needs
    ``acknowledge_warehousenotice`` (both held by the "Warehouse staff" group)."""

    message = "You need the warehouse staff permissions for this."

    def has_permission(self, request, view) -> bool:
        needed = (
            "warehouse.acknowledge_warehousenotice"
            if view.action == "acknowledge"
            else "warehouse.view_warehousenotice"
        )
        return request.user.is_staff and request.user.has_perm(needed)
