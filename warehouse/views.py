"""Warehouse notices API for warehouse staff: list them, acknowledge one."""

from typing import cast

from django.contrib.auth.models import User
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from shop.api.errors import Conflict, ErrorSerializer
from shop.api.viewsets import FiltersListsOnlyMixin
from warehouse.exceptions import AlreadyAcknowledged
from warehouse.models import WarehouseNotice
from warehouse.permissions import NoticePermission
from warehouse.serializers import WarehouseNoticeSerializer
from warehouse.services import acknowledge_notice

NOT_STAFF = OpenApiResponse(ErrorSerializer, description="Not staff.")


@extend_schema_view(
    list=extend_schema(responses={200: WarehouseNoticeSerializer(many=True), 403: NOT_STAFF})
)
class WarehouseNoticeViewSet(FiltersListsOnlyMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """What the warehouse must pack, one notice per shipment, newest first (warehouse staff)."""

    queryset = WarehouseNotice.objects.select_related("order", "shipment", "acknowledged_by")
    serializer_class = WarehouseNoticeSerializer
    permission_classes = [IsAuthenticated, NoticePermission]
    filterset_fields = ["status"]

    @extend_schema(
        request=None,
        responses={
            200: WarehouseNoticeSerializer,
            409: OpenApiResponse(ErrorSerializer, description="Acknowledged already."),
        },
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: str) -> Response:
        """Record that the caller has seen the notice. Once only."""
        try:
            # IsAuthenticated has let only a signed-in user through.
            user = cast(User, request.user)
            notice = acknowledge_notice(notice=self.get_object(), user=user)
        except AlreadyAcknowledged as exc:
            raise Conflict(str(exc), code="already_acknowledged") from exc
        # The service returns the notice with its order and shipment loaded: no second read.
        return Response(self.get_serializer(notice).data)
