"""The webhooks app's API router (``shop/urls.py`` mounts it under api/)."""

from rest_framework.routers import SimpleRouter

from webhooks.views import DeliveryViewSet, EndpointViewSet

router = SimpleRouter()
router.register("webhooks/endpoints", EndpointViewSet, basename="webhook-endpoint")
router.register("webhooks/deliveries", DeliveryViewSet, basename="webhook-delivery")
