"""The project's URLs: each app's pages and API router, composed with the project-wide ones."""

from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import APIRootView, DefaultRouter

from orders import urls as orders_urls
from shop.api.errors import api_not_found
from shop.api.login import TokenLoginView
from shop.health import health
from shop.metrics import metrics
from warehouse import urls as warehouse_urls
from webhooks import urls as webhooks_urls

admin.site.site_header = "Shop order workflow"
admin.site.site_title = "Shop admin"
admin.site.index_title = "Orders, shipments and their notifications"


class ShopAPIRootView(APIRootView):
    """The shop's order workflow API.

    Customers place and follow their orders; staff ship them with POST /api/orders/{id}/ship/
    and follow the warehouse notices. Authenticate with a token from POST /api/auth/token/
    (header "Authorization: Token <key>") or a session. The schema is at /api/schema/ and
    /api/docs/; the live feeds are the websockets under /ws/.
    """

    name = "Shop API"


# One browsable API root listing every app's endpoints; each app owns its router.
api = DefaultRouter()
api.APIRootView = ShopAPIRootView
api.registry.extend(
    [
        *orders_urls.router.registry,
        *warehouse_urls.router.registry,
        *webhooks_urls.router.registry,
    ]
)

urlpatterns = [
    path("", include(orders_urls.urlpatterns)),
    path("", include(warehouse_urls.urlpatterns)),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("api/auth/token/", TokenLoginView.as_view(), name="api-token"),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view loads its start-up script from ?script= rather than inline, for the CSP;
    # its template adds the CSP nonce to the page's inline <style>.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api-schema", template_name="drf_spectacular/swagger_ui_csp.html"
        ),
        name="api-docs",
    ),
    path("api/", include(api.urls)),
    # Last under api/: whatever no endpoint matched gets the API's JSON 404.
    re_path(r"^api/", api_not_found),
    path("api-auth/", include("rest_framework.urls")),
    path("health/", health, name="health"),
    path("metrics", metrics, name="metrics"),
]
