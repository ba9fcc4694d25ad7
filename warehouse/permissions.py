"""Who may see and acknowledge warehouse notices: the API, the board and the live feed ask here."""

from rest_framework.permissions import BasePermission

VIEW_NOTICES = "warehouse.view_warehousenotice"
ACKNOWLEDGE_NOTICES = "warehouse.acknowledge_warehousenotice"


class NoticePermission(BasePermission):
    """Seeing notices needs ``view_warehousenotice``; acknowledging needs
    ``acknowledge_warehousenotice`` (both held by the "Warehouse staff" group)."""

    message = "You need the warehouse staff permissions for this."

    def has_permission(self, request, view) -> bool:
        needed = ACKNOWLEDGE_NOTICES if view.action == "acknowledge" else VIEW_NOTICES
        return request.user.is_staff and request.user.has_perm(needed)
