"""The warehouse app's pages and its API router (``shop/urls.py`` mounts the router under api/)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from warehouse.pages import board
from warehouse.views import WarehouseNoticeViewSet

router = SimpleRouter()
router.register("warehouse/notices", WarehouseNoticeViewSet, basename="warehouse-notice")

urlpatterns = [
    path("warehouse/", board, name="warehouse-board"),
]
