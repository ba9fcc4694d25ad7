"""Server-rendered pages of the project itself: the signed-in user's order list."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from orders.selectors import visible_orders

HOME_ORDERS = 50


@login_required
def home(request: HttpRequest) -> HttpResponse:
    orders = visible_orders(user=request.user).order_by("-created_at", "-id")[:HOME_ORDERS]
    return render(request, "home.html", {"orders": orders})
