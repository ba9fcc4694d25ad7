"""The customer's pages: their order list (staff: every order) and one order's tracking page,
both kept live, and the catalogue they order from."""

from typing import cast

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from orders.carriers import Carrier
from orders.catalogue_form import CatalogueOrderForm
from orders.models import OrderEvent, OrderStatus, ShipmentStatus
from orders.selectors import order_timeline, orderable_products, visible_orders, with_details
from orders.services import place_order

HOME_ORDERS = 50
# The tracking page's progress bar (an exception shows as the step reached before it).
PROGRESS_STEPS = [
    (status, ShipmentStatus(status).label)
    for status in ("shipped", "in_transit", "out_for_delivery", "delivered")
]


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Rendered on the server, then kept live by the ``ws/orders/`` feed: a customer's own
    orders, every order for staff (the feed authorises as ``visible_orders`` does).

    The feed's cursor is read before the rows: an event committed in between is then replayed
    onto a row that may show it already (harmless), never missed.
    """
    after = _feed_head(request.user)
    orders = visible_orders(user=request.user).order_by("-created_at", "-id")[:HOME_ORDERS]
    return render(
        request,
        "orders/home.html",
        {
            "orders": orders,
            "after": after,
            "limit": HOME_ORDERS,
            "status_labels": dict(OrderStatus.choices),
        },
    )


def _feed_head(user: User | AnonymousUser) -> int:
    """The latest position on the user's ``ws/orders/`` feed, 0 for none: one index lookup.

    Staff see every event, so theirs is the latest position (the unique index); a customer's
    is their orders' latest (``Order.last_position``, index ``order_customer_position``).
    """
    if user.is_staff:
        head = OrderEvent.objects.aggregate(head=Max("position"))["head"]
    else:
        head = visible_orders(user=user).aggregate(head=Max("last_position"))["head"]
    return head or 0


@login_required
def catalogue(request: HttpRequest) -> HttpResponse:
    """Order from the catalogue through ``place_order``, as ``POST /api/orders/`` does; then
    the order's tracking page. The service's refusals are shown on the form."""
    form = CatalogueOrderForm(
        request.POST if request.method == "POST" else None, products=orderable_products()
    )
    if form.is_valid():
        try:
            order = place_order(
                customer=cast(User, request.user),  # login_required: a signed-in user
                lines=form.lines(),
                shipping_address=form.cleaned_data["shipping_address"],
            )
        except ValidationError as exc:
            form.add_error(None, [m for messages in exc.message_dict.values() for m in messages])
        else:
            return redirect("track-order", order_id=order.pk)
    return render(request, "orders/catalogue.html", {"form": form})


@login_required
def track_order(request: HttpRequest, order_id: int) -> HttpResponse:
    """Rendered on the server, then kept live by the order feed (``ws/orders/<id>/``).

    404 for an order the user may not see, as the API and the websocket do.
    """
    order = get_object_or_404(with_details(visible_orders(user=request.user)), pk=order_id)
    shipments = list(order.shipments.all())
    # In feed order: the page then goes live from the last one's position. Every event has its
    # position from its commit, so one committed meanwhile is after it, and not shown twice.
    events = list(order_timeline(order=order).order_by("position"))
    return render(
        request,
        "orders/track.html",
        {
            "order": order,
            "shipments": shipments,
            "shipment": shipments[-1] if shipments else None,
            "events": events,
            "after": events[-1].position if events else 0,
            "carrier_names": dict(Carrier.choices),
            "item_names": {item.pk: item.product.name for item in order.items.all()},
            "progress_steps": PROGRESS_STEPS,
        },
    )
