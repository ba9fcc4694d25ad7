from django.urls import path

from notifications.consumers import OrderConsumer, OrderListConsumer, WarehouseConsumer

websocket_urlpatterns = [
    path("ws/orders/<int:order_id>/", OrderConsumer.as_asgi()),
    path("ws/orders/", OrderListConsumer.as_asgi()),
    path("ws/warehouse/", WarehouseConsumer.as_asgi()),
]
