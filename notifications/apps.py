from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """Customer-facing reactions to order events: emails and live websocket pushes."""

    name = "notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from notifications import receivers
        from orders.models import Order
        from orders.signals import (
            order_cancelled,
            order_delivered,
            order_placed,
            order_shipped,
            shipment_updated,
        )
        from shop.api.signals import websocket_event

        order_shipped.connect(
            receivers.queue_shipment_email,
            sender=Order,
            dispatch_uid=receivers.QUEUE_SHIPMENT_EMAIL_UID,
        )
        shipment_updated.connect(
            receivers.queue_tracking_email,
            sender=Order,
            dispatch_uid=receivers.QUEUE_TRACKING_EMAIL_UID,
        )
        for signal in (
            order_placed,
            order_shipped,
            order_cancelled,
            shipment_updated,
            order_delivered,
        ):
            signal.connect(
                receivers.push_order_event,
                sender=Order,
                dispatch_uid=receivers.PUSH_ORDER_EVENT_UID,
            )
        websocket_event.connect(
            receivers.track_live_watchers, dispatch_uid=receivers.TRACK_LIVE_WATCHERS_UID
        )
