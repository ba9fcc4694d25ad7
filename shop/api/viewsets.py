"""Behaviour shared by the API's viewsets."""

from django.db.models import QuerySet


class FiltersListsOnlyMixin:
    """Query-string filters narrow lists only.

    DRF also applies them in ``get_object()``: ``/api/orders/5/?status=shipped`` would be a 404
    for a placed order, and ``?status=lost`` a 400 on ship or acknowledge, which the schema does
    not document.
    """

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        if self.action != "list":
            return queryset
        return super().filter_queryset(queryset)
