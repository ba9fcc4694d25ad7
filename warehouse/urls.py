from rest_framework.routers import SimpleRouter

from warehouse.views import WarehouseNoticeViewSet

router = SimpleRouter()
router.register("warehouse/notices", WarehouseNoticeViewSet, basename="warehouse-notice")
