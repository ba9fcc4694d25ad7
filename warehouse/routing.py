from django.urls import path

from warehouse.consumers import WarehouseConsumer

websocket_urlpatterns = [
    path("ws/warehouse/", WarehouseConsumer.as_asgi()),
]
