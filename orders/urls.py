from rest_framework.routers import SimpleRouter

from orders.views import OrderViewSet, ProductViewSet

router = SimpleRouter()
router.register("products", ProductViewSet, basename="product")
router.register("orders", OrderViewSet, basename="order")
