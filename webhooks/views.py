"""Webhooks API: register endpoints, rotate their secrets, read and retry deliveries."""

import contextlib
from typing import cast

from django.contrib.auth.models import User
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from kombu.exceptions import OperationalError as BrokerError
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from shop.api.errors import ErrorSerializer
from webhooks import selectors, services, tasks
from webhooks.models import Delivery, Endpoint
from webhooks.permissions import WebhookPermission
from webhooks.serializers import (
    DeliverySerializer,
    EndpointInputSerializer,
    EndpointSerializer,
    EndpointUpdateSerializer,
    EndpointWithSecretSerializer,
)
from webhooks.ssrf import UnsafeURL

FORBIDDEN = OpenApiResponse(ErrorSerializer, description="Not staff with the permission.")
ID_PATTERN = "[0-9]{1,18}"  # larger ids exist nowhere: the API's 404, not a database overflow


@extend_schema_view(
    list=extend_schema(responses={200: EndpointSerializer(many=True), 403: FORBIDDEN}),
    retrieve=extend_schema(responses={200: EndpointSerializer, 403: FORBIDDEN}),
    destroy=extend_schema(responses={204: None, 403: FORBIDDEN}),
)
class EndpointViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Where webhooks go (staff with the webhooks permissions), newest first."""

    queryset = Endpoint.objects.all()
    serializer_class = EndpointSerializer
    permission_classes = [IsAuthenticated, WebhookPermission]
    lookup_value_regex = ID_PATTERN

    @extend_schema(
        request=EndpointInputSerializer,
        responses={201: EndpointWithSecretSerializer, 403: FORBIDDEN},
    )
    def create(self, request: Request) -> Response:
        """Register an endpoint. The answer carries its secret, shown only this once."""
        data = _validated(EndpointInputSerializer(data=request.data))
        try:
            endpoint = services.create_endpoint(created_by=cast(User, request.user), **data)
        except UnsafeURL as exc:
            raise ValidationError({"url": [str(exc)]}) from exc
        return Response(EndpointWithSecretSerializer(endpoint).data, status.HTTP_201_CREATED)

    @extend_schema(
        request=EndpointUpdateSerializer, responses={200: EndpointSerializer, 403: FORBIDDEN}
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        """Change the URL, events, description, or enable/disable the endpoint."""
        endpoint = self.get_object()
        data = _validated(EndpointUpdateSerializer(data=request.data))
        try:
            endpoint = services.update_endpoint(endpoint=endpoint, **data)
        except UnsafeURL as exc:
            raise ValidationError({"url": [str(exc)]}) from exc
        return Response(EndpointSerializer(endpoint).data)

    def perform_destroy(self, instance: Endpoint) -> None:
        services.delete_endpoint(endpoint_id=instance.pk)

    @extend_schema(request=None, responses={200: EndpointWithSecretSerializer, 403: FORBIDDEN})
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request: Request, pk: str) -> Response:
        """A new secret; the old one keeps signing beside it for 24 hours."""
        endpoint = services.rotate_secret(endpoint_id=self.get_object().pk)
        return Response(EndpointWithSecretSerializer(endpoint).data)

    @extend_schema(responses={200: DeliverySerializer(many=True), 403: FORBIDDEN})
    @action(detail=True, methods=["get"], filter_backends=[])
    def deliveries(self, request: Request, pk: str) -> Response:
        """The endpoint's deliveries, newest first, each with every attempt."""
        deliveries = selectors.endpoint_deliveries(endpoint=self.get_object())
        page = self.paginate_queryset(deliveries)
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)


class DeliveryViewSet(viewsets.GenericViewSet):
    """Deliveries are listed per endpoint; this is where one is sent again."""

    queryset = Delivery.objects.all()
    serializer_class = DeliverySerializer
    permission_classes = [IsAuthenticated, WebhookPermission]
    lookup_value_regex = ID_PATTERN

    @extend_schema(request=None, responses={202: DeliverySerializer, 403: FORBIDDEN})
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, pk: str) -> Response:
        """Send the delivery again, whatever its status, with the same `webhook-id`."""
        [delivery_id] = services.reopen_deliveries(delivery_ids=[self.get_object().pk])
        # With the broker down it is pending and due: sweep_stranded_webhooks sends it later.
        with contextlib.suppress(BrokerError):
            tasks.deliver_webhook.delay(delivery_id)
        delivery = selectors.with_attempts(Delivery.objects.all()).get(pk=delivery_id)
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_202_ACCEPTED)


def _validated(serializer) -> dict:
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
