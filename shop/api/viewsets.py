"""Behaviour shared by the API's viewsets."""

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from rest_framework.viewsets import GenericViewSet

# The mixin goes in front of a GenericViewSet: the type checker is told so, the MRO is not.
if TYPE_CHECKING:
    _ViewSet = GenericViewSet
else:
    _ViewSet = object


class FiltersListsOnlyMixin(_ViewSet):
    """Query-string filters narrow lists only.

    DRF also applies them in ``get_object()``: ``/api/orders/5/?status=shipped`` would be a 404
    for a placed order, and ``?status=lost`` a 400 on ship or acknowledge, which the schema does
    not document.
    """

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)
