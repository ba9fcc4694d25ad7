"""The warehouse board: notices still to pack, updated live, acknowledged with one click."""

from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from warehouse.models import WarehouseNotice
from warehouse.permissions import VIEW_NOTICES


@login_required
@permission_required(VIEW_NOTICES, raise_exception=True)
def board(request: HttpRequest) -> HttpResponse:
    notices = (
        WarehouseNotice.objects.exclude(status=WarehouseNotice.Status.ACKNOWLEDGED)
        .select_related("order", "shipment")
        .order_by("created_at", "id")
    )
    return render(request, "warehouse/board.html", {"notices": notices})
