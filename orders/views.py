"""REST API for products and orders. Thin: validate, call a service, map errors, serialize."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from orders import selectors, services
from orders.exceptions import InvalidTransition
from orders.models import Order
from orders.permissions import CanShipOrder, CatalogueWritePermission, may_ship
from orders.serializers import (
    OrderCreateSerializer,
    OrderEventSerializer,
    OrderSerializer,
    ProductSerializer,
    ShipOrderSerializer,
    TransitionConflictSerializer,
)
from shop.api.errors import Conflict
from shop.api.viewsets import FiltersListsOnlyMixin

NOT_PLACED = OpenApiResponse(
    TransitionConflictSerializer, description="The order is not `placed`: `status` says what it is."
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
    filterset_fields = ["status"]

    def get_queryset(self):
        orders = selectors.visible_orders(user=self.request.user)
        # Actions only need the row; the details are loaded for the response.
        return selectors.with_details(orders) if self.action in {"list", "retrieve"} else orders

    @extend_schema(request=OrderCreateSerializer, responses={201: OrderSerializer})
    def create(self, request: Request) -> Response:
        """Place an order for the caller, at the catalogue's current prices."""
        data = _validated(OrderCreateSerializer, request)
        lines = [
            services.OrderLine(product_id=item["product"], quantity=item["quantity"])
            for item in data["items"]
        ]
        try:
            order = services.place_order(
                customer=request.user, lines=lines, shipping_address=data["shipping_address"]
            )
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        return self._order_response(order.pk, status.HTTP_201_CREATED)

    @extend_schema(
        request=ShipOrderSerializer,
        responses={200: OrderSerializer, 409: NOT_PLACED},
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated, CanShipOrder])
    def ship(self, request: Request, pk: str) -> Response:
        """Ship a placed order (staff with `orders.ship_order`); the customer is emailed unless
        notify_customer is false."""
        # The service reads the order once, locked, and returns it ready for the response. The
        # view reads it first only on the way to a refusal, so those keep their precedence:
        # 404 for an order the caller cannot see, then 403 without the right, then 400.
        order_id = _order_id(pk)
        serializer = ShipOrderSerializer(data=request.data)
        if order_id is None or not may_ship(request.user) or not serializer.is_valid():
            self.get_object()
            serializer.is_valid(raise_exception=True)
        try:
            order = services.ship_order(
                order_id=order_id, shipped_by=request.user, **serializer.validated_data
            )
        except Order.DoesNotExist:
            self.get_object()  # the API's usual 404 for a missing order
            raise
        except InvalidTransition as exc:
            raise _conflict(exc) from exc
        return Response(self.get_serializer(order).data)

    @extend_schema(request=None, responses={200: OrderSerializer, 409: NOT_PLACED})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        """Cancel a placed order (its customer or staff)."""
        order = self.get_object()
        try:
            services.cancel_order(order=order, cancelled_by=request.user)
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
        return Response(self.get_serializer(order).data, status=status_code)


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
