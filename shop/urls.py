from django.contrib import admin
from django.urls import include, path
from rest_framework.authtoken.views import obtain_auth_token
from rest_framework.routers import DefaultRouter

from notifications.pages import track_order
from orders.urls import router as orders_router
from shop.health import health
from shop.pages import home
from warehouse.pages import board
from warehouse.urls import router as warehouse_router

# One browsable API root listing every app's endpoints; each app owns its router.
api = DefaultRouter()
api.registry.extend([*orders_router.registry, *warehouse_router.registry])

urlpatterns = [
    path("", home, name="home"),
    path("orders/<int:order_id>/track/", track_order, name="track-order"),
    path("warehouse/", board, name="warehouse-board"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("api/auth/token/", obtain_auth_token, name="api-token"),
    path("api/", include(api.urls)),
    path("api-auth/", include("rest_framework.urls")),
    path("health/", health, name="health"),
]
