"""Staff views of the catalogue and orders. Shipping, one order or many, goes through ship_order.

Apps that react to orders show their records on the order page through ``ORDER_PANELS``
(registered from their own admin modules), so this module never imports them.

Customers' email addresses (a panel that shows one, search by email) need
``orders.view_customer_contact``: warehouse staff ship orders without seeing them.

Only a placed order can be edited (its address) or deleted: any other is history, shown
read-only, with no Save or Delete, while the ship page and action still ship what remains.
"""

from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol, TypedDict, cast

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Model,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
)
from django.forms import Form
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from orders.exceptions import InvalidTransition
from orders.forms import BulkShipForm, ShipOrderForm
from orders.models import Order, OrderEvent, OrderItem, Product, Shipment
from orders.selectors import with_items
from orders.services import ship_order

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

CUSTOMER_CONTACT_PERMISSION = "orders.view_customer_contact"
SHIPPABLE = (Order.Status.PLACED, Order.Status.PARTIALLY_SHIPPED)
SHIP_DETAILS = ("carrier", "tracking_number", "notify_customer")


class OrderPanel(Protocol):
    """A read-only callable (order -> text) shown in the "Reactions" section of the order
    page."""

    shows_customer_contact: bool

    def __call__(self, order: Order, /) -> str: ...


ORDER_PANELS: list[OrderPanel] = []


def order_panel(description: str, *, shows_customer_contact: bool = False):
    """Register a read-only panel for the order change page (used by other apps' admin).

    A panel that shows the customer's email address says so, and is shown only to staff with
    ``orders.view_customer_contact``.
    """

    def register(render: Callable[[Order], str]) -> Callable[[Order], str]:
        # Becomes an OrderPanel on the next line, which gives it its attribute.
        panel = cast(OrderPanel, admin.display(description=description)(render))
        panel.shows_customer_contact = shows_customer_contact
        ORDER_PANELS.append(panel)
        return panel

    return register


def visible_panels(request: HttpRequest) -> list[OrderPanel]:
    may_see_contact = request.user.has_perm(CUSTOMER_CONTACT_PERMISSION)
    return [panel for panel in ORDER_PANELS if may_see_contact or not panel.shows_customer_contact]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["sku", "name", "price", "active"]
    list_filter = ["active"]
    search_fields = ["sku", "name"]


class ReadOnlyAdminMixin:
    """For a model admin or an inline of history: shown, never added or edited in the admin,
    because changes go through the services. Deleting is left to each admin."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields


class OrderItemInline(ReadOnlyInline):
    model = OrderItem
    fields = ["product", "quantity", "shipped_quantity", "remaining", "unit_price", "line_total"]

    @admin.display(description="Remaining")
    def remaining(self, item: OrderItem) -> int:
        return item.remaining_quantity

    @admin.display(description="Line total")
    def line_total(self, item: OrderItem) -> Decimal:
        return item.line_total  # a stored price (two decimals) times a count: two decimals

    def get_queryset(self, request: HttpRequest) -> QuerySet[OrderItem]:
        return super().get_queryset(request).select_related("product")


class ShipmentInline(ReadOnlyInline):
    """Each parcel with what it carries and its tracking history."""

    model = Shipment
    fields = [
        "carrier",
        "tracking_number",
        "shipped_at",
        "shipped_by",
        "notify_customer",
        "status",
        "delivered_at",
        "contents",
        "tracking",
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Shipment]:
        return (
            super()
            .get_queryset(request)
            .select_related("shipped_by")
            .prefetch_related("lines__item__product", "tracking_events")
        )

    @admin.display(description="Lines")
    def contents(self, shipment: Shipment) -> str:
        return "; ".join(
            f"{line.quantity} x {line.item.product.sku}" for line in shipment.lines.all()
        )

    @admin.display(description="Tracking events")
    def tracking(self, shipment: Shipment) -> str:
        events = shipment.tracking_events.all()
        return (
            "; ".join(
                f"{event.occurred_at:%Y-%m-%d %H:%M} {event.get_status_display()}"
                + (f" ({event.location})" if event.location else "")
                for event in events
            )
            or "None yet"
        )


class OrderEventInline(ReadOnlyInline):
    model = OrderEvent
    fields = ["type", "position", "created_at", "dispatched_at", "payload"]


CENTS = Decimal("0.01")


def admin_fieldset(form: Form, *, fields: Sequence[str], name: str | None = None):
    """Fields of a plain form in a fieldset as the admin's change form renders them
    (``admin/includes/fieldset.html``), so the ship pages look like the rest of the admin."""
    # django-stubs types Fieldset's form as a ModelForm; it reads only form[...] and fields.
    return helpers.Fieldset(form, name=name, fields=fields)  # type: ignore[arg-type]


def _is_history(order: Order | None) -> bool:
    """An order that is no longer placed; None (the list, no order in particular) is not."""
    return order is not None and order.status != Order.Status.PLACED


class OrderTotals(TypedDict):
    """What ``OrderAdmin.get_queryset`` annotates each order with, for the list columns."""

    _item_count: int
    _total: Decimal | None
    _last_shipped_at: datetime | None


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = [
        "number",
        "customer",
        "status",
        "item_count",
        "total",
        "created_at",
        "shipped_at",
    ]
    list_filter = ["status", "shipments__carrier", "created_at", "shipments__shipped_at"]
    date_hierarchy = "created_at"
    search_fields = [
        "number",
        "customer__email",
        "customer__username",
        "shipments__tracking_number",
    ]
    list_select_related = ["customer"]
    inlines = [OrderItemInline, ShipmentInline, OrderEventInline]
    actions = ["ship_selected"]

    class Media:
        css = {"all": ["orders/admin.css"]}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Order]:
        last_shipped = Shipment.objects.filter(order=OuterRef("pk")).order_by("-shipped_at")
        line_total = ExpressionWrapper(
            F("items__quantity") * F("items__unit_price"),
            output_field=DecimalField(max_digits=12, decimal_places=2),
        )
        return (
            super()
            .get_queryset(request)
            .annotate(
                _item_count=Count("items", distinct=True),
                _total=Sum(line_total),
                _last_shipped_at=Subquery(last_shipped.values("shipped_at")[:1]),
            )
        )

    def get_search_fields(self, request: HttpRequest) -> list[str]:
        """Searching by email would tell whoever cannot see addresses whose they are."""
        if request.user.has_perm(CUSTOMER_CONTACT_PERMISSION):
            return self.search_fields
        return [field for field in self.search_fields if field != "customer__email"]

    def get_fieldsets(self, request: HttpRequest, obj: Order | None = None):
        order = [(None, {"fields": ["number", "customer", "status", "total", "shipping_address"]})]
        times = [("Times", {"fields": ["created_at", "updated_at"]})]
        panels = visible_panels(request)
        reactions = [("Reactions", {"fields": panels})] if panels else []
        return order + times + reactions

    def get_readonly_fields(self, request: HttpRequest, obj: Order | None = None):
        fields: list[str | OrderPanel] = [
            "number",
            "customer",
            "status",
            "total",
            "created_at",
            "updated_at",
        ]
        return fields + visible_panels(request)

    @admin.display(description="Lines", ordering="_item_count")
    def item_count(self, order: "WithAnnotations[Order, OrderTotals]") -> int:
        return order._item_count

    @admin.display(description="Total", ordering="_total")
    def total(self, order: "WithAnnotations[Order, OrderTotals]") -> Decimal | None:
        # SQLite sums decimals as floats: 3185.50 would show as 3185.5.
        return None if order._total is None else order._total.quantize(CENTS)

    @admin.display(description="Last shipped at", ordering="_last_shipped_at")
    def shipped_at(self, order: "WithAnnotations[Order, OrderTotals]") -> datetime | None:
        return order._last_shipped_at

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # Orders are placed by customers through place_order.

    def has_change_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        """Once a parcel has left (or the order is cancelled), the address is history: the
        page is read-only, with no Save."""
        return not _is_history(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        """Django asks it per order in "Delete selected" too, which then deletes none."""
        return not _is_history(obj) and super().has_delete_permission(request, obj)

    def get_urls(self):
        ship_url = path(
            "<int:order_id>/ship/",
            self.admin_site.admin_view(self.ship_view),
            name="orders_order_ship",
        )
        return [ship_url, *super().get_urls()]

    def has_ship_permission(self, request: HttpRequest) -> bool:
        """Shipping needs ``orders.ship_order``, not change_order: the right to ship is not the
        right to edit a placed order's address."""
        return request.user.has_perm("orders.ship_order")

    def ship_view(self, request: HttpRequest, order_id: int) -> HttpResponse:
        if not self.has_ship_permission(request):
            raise PermissionDenied
        order = get_object_or_404(with_items(Order.objects.all()), pk=order_id)
        change_url = reverse("admin:orders_order_change", args=[order.pk])
        if request.method == "GET" and order.status not in SHIPPABLE:
            self._nothing_to_ship(request, order)
            return HttpResponseRedirect(change_url)
        form = ShipOrderForm(request.POST or None, items=order.items.all())
        if request.method == "POST" and form.is_valid():
            details = {name: form.cleaned_data[name] for name in SHIP_DETAILS}
            self._ship(request, order, lines=form.lines(), **details)
            return HttpResponseRedirect(change_url)
        context = {
            **self._page_context(request, form),
            "title": f"Ship order {order.number}",
            "original": order,
            "details": admin_fieldset(form, fields=SHIP_DETAILS, name="Parcel"),
            "change_url": change_url,
        }
        return TemplateResponse(request, "admin/orders/order/ship.html", context)

    @admin.action(description="Ship selected orders", permissions=["ship"])
    def ship_selected(self, request: HttpRequest, queryset: QuerySet[Order]):
        orders = []
        for order in with_items(queryset.order_by("id")):
            if order.status in SHIPPABLE:
                orders.append(order)
            else:
                self._nothing_to_ship(request, order)
        if not orders:
            return None
        form = BulkShipForm(request.POST if "apply" in request.POST else None, orders=orders)
        if form.is_bound and form.is_valid():
            for order in form.orders:
                self._ship(
                    request,
                    order,
                    carrier=form.cleaned_data["carrier"],
                    tracking_number=form.cleaned_data[form.tracking_field(order)],
                    notify_customer=form.cleaned_data["notify_customer"],
                    lines=form.lines(order),
                )
            return None
        parcels = [
            (
                parcel,
                admin_fieldset(
                    form, fields=[parcel.tracking.name], name=f"Order {parcel.order.number}"
                ),
            )
            for parcel in form.parcels()
        ]
        context = {
            **self._page_context(request, form),
            "title": "Ship selected orders",
            "details": admin_fieldset(form, fields=["carrier", "notify_customer"]),
            "parcels": parcels,
            "orders": form.orders,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/orders/order/bulk_ship.html", context)

    def _page_context(self, request: HttpRequest, form: Form) -> dict:
        """What both ship pages share with the admin's own: the site, the order model, the
        form, and this admin's stylesheet."""
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "media": self.media,
        }

    def _nothing_to_ship(self, request: HttpRequest, order: Order) -> None:
        """Left off a ship page: it would only ask for a tracking number the service refuses."""
        status = order.get_status_display().lower()
        self.message_user(
            request, f"Order {order.number} is {status}: nothing left to ship.", messages.ERROR
        )

    def _ship(self, request: HttpRequest, order: Order, **details) -> None:
        """Ship through the service; a refusal (the transition, or lines that no longer fit
        after a concurrent ship) is an admin error message."""
        try:
            # The admin site has let only signed-in staff through.
            shipped = ship_order(order_id=order.pk, shipped_by=cast(User, request.user), **details)
        except InvalidTransition as exc:
            self.message_user(request, str(exc), messages.ERROR)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
        else:
            self.message_user(
                request,
                f"Order {order.number} was {shipped.get_status_display().lower()}.",
                messages.SUCCESS,
            )
