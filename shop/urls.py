from django.contrib import admin
from django.urls import include, path
from rest_framework.authtoken.views import obtain_auth_token

from shop.health import health

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/auth/token/", obtain_auth_token, name="api-token"),
    path("api/", include("orders.urls")),
    path("api/", include("warehouse.urls")),
    path("api-auth/", include("rest_framework.urls")),
    path("health/", health, name="health"),
]
