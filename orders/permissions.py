from rest_framework.permissions import SAFE_METHODS, BasePermission


class IsStaffForObject(BasePermission):
    """Staff only, checked per object, so an order the caller cannot see stays a 404."""

    message = "Only staff can do this."

    def has_object_permission(self, request, view, obj) -> bool:
        return request.user.is_staff


class IsStaffOrReadOnly(BasePermission):
    message = "Only staff can change the catalogue."

    def has_permission(self, request, view) -> bool:
        return request.method in SAFE_METHODS or request.user.is_staff
