from django.contrib.auth.models import AbstractUser, AnonymousUser
from rest_framework.permissions import SAFE_METHODS, BasePermission


def may_ship(user: AbstractUser | AnonymousUser) -> bool:
    return user.is_staff and user.has_perm("orders.ship_order")


class CanShipOrder(BasePermission):
    """Staff with ``orders.ship_order``, checked per object, so an order the caller cannot see
    stays a 404."""

    message = "Only staff allowed to ship orders can do this."

    def has_object_permission(self, request, view, obj) -> bool:
        return may_ship(request.user)


class CatalogueWritePermission(BasePermission):
    """Anyone signed in reads the catalogue; adding to it needs ``orders.add_product``, which
    the "Warehouse staff" role lacks (it must not set prices)."""

    message = "Only staff allowed to manage the catalogue can change it."

    def has_permission(self, request, view) -> bool:
        return request.method in SAFE_METHODS or (
            request.user.is_staff and request.user.has_perm("orders.add_product")
        )
