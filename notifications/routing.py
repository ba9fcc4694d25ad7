from django.urls import path

from notifications.consumers import OrderConsumer, OrderListConsumer

websocket_urlpatterns = [
    path("ws/orders/<int:order_id>/", OrderConsumer.as_asgi()),
    path("ws/orders/", OrderListConsumer.as_asgi()),
]
