"""The orders app's pages and its API router (``shop/urls.py`` mounts the router under api/)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from orders.pages import catalogue, home, track_order
from orders.views import CarrierEventsViewSet, OrderViewSet, ProductViewSet, ShipmentViewSet

router = SimpleRouter()
router.register("products", ProductViewSet, basename="product")
router.register("orders", OrderViewSet, basename="order")
router.register("shipments", ShipmentViewSet, basename="shipment")
router.register("carriers", CarrierEventsViewSet, basename="carrier")

urlpatterns = [
    path("", home, name="home"),
    path("catalogue/", catalogue, name="catalogue"),
    path("orders/<int:order_id>/track/", track_order, name="track-order"),
]
