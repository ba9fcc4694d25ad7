"""The orders app's pages and its API router (``shop/urls.py`` mounts the router under api/)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from orders.pages import home, track_order
from orders.views import OrderViewSet, ProductViewSet

router = SimpleRouter()
router.register("products", ProductViewSet, basename="product")
router.register("orders", OrderViewSet, basename="order")

urlpatterns = [
    path("", home, name="home"),
    path("orders/<int:order_id>/track/", track_order, name="track-order"),
]
