"""Warehouse notices API for warehouse staff: list them, acknowledge one."""

from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from warehouse.exceptions import AlreadyAcknowledged
from warehouse.models import WarehouseNotice
from warehouse.permissions import NoticePermission
from warehouse.serializers import WarehouseNoticeSerializer
from warehouse.services import acknowledge_notice


class WarehouseNoticeViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = WarehouseNotice.objects.select_related("order", "shipment", "acknowledged_by")
    serializer_class = WarehouseNoticeSerializer
    permission_classes = [IsAuthenticated, NoticePermission]
    filterset_fields = ["status"]

    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str) -> Response:
        try:
            acknowledge_notice(notice=self.get_object(), user=request.user)
        except AlreadyAcknowledged as exc:
            return Response(
                {"detail": str(exc), "code": "already_acknowledged"},
                status=status.HTTP_409_CONFLICT,
            )
        return Response(self.get_serializer(self.get_queryset().get(pk=pk)).data)
