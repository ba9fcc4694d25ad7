from django.urls import path, re_path

from notifications.consumers import (
    OrderConsumer,
    OrderListConsumer,
    UnknownPathConsumer,
    WarehouseConsumer,
)

websocket_urlpatterns = [
    path("ws/orders/<int:order_id>/", OrderConsumer.as_asgi()),
    path("ws/orders/", OrderListConsumer.as_asgi()),
    path("ws/warehouse/", WarehouseConsumer.as_asgi()),
    re_path(r"", UnknownPathConsumer.as_asgi()),  # last: refuse cleanly instead of raising
]
