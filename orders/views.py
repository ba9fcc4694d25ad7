"""REST API for products, orders, shipments and carriers' tracking events. Thin: validate,
call a service, map errors, serialize."""

import json
import uuid
from typing import cast

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException, NotFound, ParseError, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from orders import selectors, services
from orders.carriers import signature_secret, signature_valid
from orders.exceptions import InvalidTransition
from orders.models import Order, Shipment, TrackingEvent
from orders.permissions import CanShipOrder, CatalogueWritePermission, may_ship
from orders.serializers import (
    CarrierEventInputSerializer,
    OrderCreateSerializer,
    OrderEventSerializer,
    OrderSerializer,
    ProductSerializer,
    ShipOrderSerializer,
    TrackingEventInputSerializer,
    TrackingEventOutputSerializer,
    TransitionConflictSerializer,
    order_rows_data,
)
from shop.api.errors import Conflict, ErrorSerializer
from shop.api.viewsets import FiltersListsOnlyMixin

NOT_PLACED = OpenApiResponse(
    TransitionConflictSerializer, description="The order is not `placed`: `status` says what it is."
)
NOTHING_TO_SHIP = OpenApiResponse(
    TransitionConflictSerializer,
    description="Nothing is left to ship, or the order is cancelled: `status` says which.",
)


class ProductViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """The catalogue. Customers see the active products; staff see all and add products."""

    serializer_class = ProductSerializer
    permission_classes = [IsAuthenticated, CatalogueWritePermission]

    def get_queryset(self):
        return selectors.visible_products(user=self.request.user)


class OrderViewSet(
    FiltersListsOnlyMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Orders, newest first. Customers see their own; staff see all."""

    serializer_class = OrderSerializer
    # What the writes take, for the browsable API's forms: they answer with the order.
    input_serializer_classes = {"create": OrderCreateSerializer, "ship": ShipOrderSerializer}
    filterset_fields = ["status"]

    def get_serializer_class(self):
        return self.input_serializer_classes.get(self.action, OrderSerializer)

    def get_queryset(self):
        orders = selectors.visible_orders(user=self.request.user)
        # Actions only need the row; the details are loaded for the response.
        return selectors.with_details(orders) if self.action == "list" else orders

    def retrieve(self, request: Request, pk: str) -> Response:
        # Plain rows, not models: half the time of get_object() and serializing (bench/README.md).
        order_id = _order_id(pk)
        rows = (
            None
            if order_id is None
            else selectors.order_detail_rows(user=request.user, order_id=order_id)
        )
        if rows is None:
            raise Http404("No Order matches the given query.")  # get_object()'s 404
        return Response(order_rows_data(rows))

    @extend_schema(request=OrderCreateSerializer, responses={201: OrderSerializer})
    def create(self, request: Request) -> Response:
        """Place an order for the caller, at the catalogue's current prices."""
        data = _validated(OrderCreateSerializer, request)
        lines = [
            services.OrderLine(product_id=item["product"], quantity=item["quantity"])
            for item in data["items"]
        ]
        try:
            # IsAuthenticated (the API's default) has let only a signed-in user through.
            order = services.place_order(
                customer=cast(User, request.user),
                lines=lines,
                shipping_address=data["shipping_address"],
            )
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        return self._order_response(order.pk, status.HTTP_201_CREATED)

    @extend_schema(
        request=ShipOrderSerializer,
        responses={200: OrderSerializer, 409: NOTHING_TO_SHIP},
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated, CanShipOrder])
    def ship(self, request: Request, pk: str) -> Response:
        """Ship a parcel of a placed or partially shipped order (staff with
        `orders.ship_order`): `lines`, or everything not shipped yet. The customer is emailed
        unless notify_customer is false."""
        # The service reads the order once, locked, and returns it ready for the response. The
        # view reads it first only on the way to a refusal, so those keep their precedence:
        # 404 for an order the caller cannot see, then 403 without the right, then 400.
        order_id = _order_id(pk)
        serializer = ShipOrderSerializer(data=request.data)
        if order_id is None or not may_ship(request.user) or not serializer.is_valid():
            self.get_object()
            serializer.is_valid(raise_exception=True)
        assert order_id is not None  # without one, get_object() has answered 404
        data = dict(serializer.validated_data)
        if "lines" in data:
            data["lines"] = [
                services.ShipLine(item_id=line["item"], quantity=line["quantity"])
                for line in data["lines"]
            ]
        try:
            order = services.ship_order(
                order_id=order_id, shipped_by=cast(User, request.user), **data
            )
        except Order.DoesNotExist:
            self.get_object()  # the API's usual 404 for a missing order
            raise
        except InvalidTransition as exc:
            raise _conflict(exc) from exc
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        return Response(self._order_data(order))

    @extend_schema(request=None, responses={200: OrderSerializer, 409: NOT_PLACED})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        """Cancel a placed order (its customer or staff)."""
        order = self.get_object()
        try:
            # get_object() has found the order visible to the caller, so they are signed in.
            services.cancel_order(order=order, cancelled_by=cast(User, request.user))
        except InvalidTransition as exc:
            raise _conflict(exc) from exc
        return self._order_response(order.pk)

    @extend_schema(responses=OrderEventSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def events(self, request: Request, pk: str) -> Response:
        """Everything that happened to the order, oldest first, not paginated."""
        events = selectors.order_timeline(order=self.get_object())
        context = self.get_serializer_context()  # the caller: staff usernames are staff-only
        return Response(OrderEventSerializer(events, many=True, context=context).data)

    def _order_response(self, order_id: int, status_code: int = status.HTTP_200_OK) -> Response:
        order = selectors.with_details(Order.objects.all()).get(pk=order_id)
        return Response(self._order_data(order), status=status_code)

    def _order_data(self, order: Order) -> dict:
        return OrderSerializer(order, context=self.get_serializer_context()).data


class ShipmentViewSet(viewsets.GenericViewSet):
    """Parcels. Staff who may ship record their tracking events by hand."""

    queryset = Shipment.objects.all()
    serializer_class = TrackingEventInputSerializer
    permission_classes = [IsAuthenticated, CanShipOrder]

    @extend_schema(
        request=TrackingEventInputSerializer,
        responses={
            201: TrackingEventOutputSerializer,
            200: OpenApiResponse(TrackingEventOutputSerializer, description="Seen before."),
        },
    )
    @action(detail=True, methods=["post"])
    def events(self, request: Request, pk: str) -> Response:
        """Record a tracking event for the parcel, as a carrier would send it (staff with
        `orders.ship_order`); `event_id` is generated when left out."""
        if not may_ship(request.user):
            self.permission_denied(request, message=CanShipOrder.message)
        shipment = self.get_object()
        data = _validated(TrackingEventInputSerializer, request)
        event_id = data.pop("event_id", None) or f"staff-{uuid.uuid4().hex}"
        tracking, created = _record(shipment.pk, event_id=event_id, data=data)
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(TrackingEventOutputSerializer(tracking).data, status=code)


class BadSignature(APIException):
    """401 without DRF's authentication classes, which would turn it into a 403: the
    signature is this endpoint's only credential."""

    status_code = status.HTTP_401_UNAUTHORIZED
    default_detail = "Missing or wrong X-Carrier-Signature."
    default_code = "bad_signature"


class CarrierEventsViewSet(viewsets.GenericViewSet):
    """The endpoint carriers (or a tracking aggregator) send parcel events to, signed with the
    carrier's secret (docs/api.md#carrier-tracking-events)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    # Signed by the carrier, who may send many: the write throttle is for people.
    throttle_classes = []
    lookup_field = "carrier"
    lookup_value_regex = "[a-z0-9_-]{1,32}"
    serializer_class = CarrierEventInputSerializer

    @extend_schema(
        request=CarrierEventInputSerializer,
        parameters=[
            OpenApiParameter(
                "X-Carrier-Signature",
                str,
                OpenApiParameter.HEADER,
                required=True,
                description="`sha256=` and the hex HMAC-SHA256 of the raw body, keyed with "
                "the carrier's secret.",
            )
        ],
        responses={
            202: OpenApiResponse(TrackingEventOutputSerializer, description="Accepted."),
            200: OpenApiResponse(
                TrackingEventOutputSerializer, description="This event_id was seen before."
            ),
            401: OpenApiResponse(ErrorSerializer, description="Missing or wrong signature."),
            404: OpenApiResponse(
                ErrorSerializer, description="Unknown carrier or tracking number."
            ),
        },
        auth=[],
    )
    @action(detail=True, methods=["post"])
    def events(self, request: Request, carrier: str) -> Response:
        """Accept a carrier's tracking event: 202, or 200 for an `event_id` seen before."""
        secret = signature_secret(carrier)
        if secret is None:
            raise NotFound(f"No tracking events are taken from carrier {carrier!r}.")
        body = request.body  # the signed bytes, before anything parses them
        if not signature_valid(
            secret=secret, body=body, header=request.headers.get("X-Carrier-Signature")
        ):
            raise BadSignature()
        try:
            payload = json.loads(body)
        except ValueError as exc:
            raise ParseError("The body must be JSON.") from exc
        serializer = CarrierEventInputSerializer(data=payload)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        tracking_number = data.pop("tracking_number")
        shipment_id = selectors.shipment_id_for_tracking(
            carrier=carrier, tracking_number=tracking_number
        )
        if shipment_id is None:
            raise NotFound(f"{carrier} was given no parcel {tracking_number!r}.")
        tracking, created = _record(shipment_id, event_id=data.pop("event_id"), data=data)
        code = status.HTTP_202_ACCEPTED if created else status.HTTP_200_OK
        return Response(TrackingEventOutputSerializer(tracking).data, status=code)


def _record(shipment_id: int, *, event_id: str, data: dict) -> tuple[TrackingEvent, bool]:
    try:
        return services.record_tracking_event(shipment_id=shipment_id, event_id=event_id, **data)
    except DjangoValidationError as exc:
        raise ValidationError(exc.message_dict) from exc


def _order_id(pk: str) -> int | None:
    """The URL's order id, or None when no order can have it (the lookup then 404s)."""
    try:
        order_id = int(pk)
    except ValueError:
        return None
    return order_id if 0 < order_id < 2**63 else None


def _validated(serializer_class, request: Request) -> dict:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _conflict(exc: InvalidTransition) -> Conflict:
    return Conflict(str(exc), code="invalid_transition", status=exc.status)
