from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    """Customer-facing reactions to order events: emails and live websocket pushes."""

    name = "notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from notifications import receivers
        from notifications.signals import websocket_event
        from orders.models import Order
        from orders.signals import order_cancelled, order_placed, order_shipped

        order_shipped.connect(
            receivers.queue_shipment_email, sender=Order, dispatch_uid=receivers.SHIPMENT_EMAIL_UID
        )
        for signal in (order_placed, order_shipped, order_cancelled):
            signal.connect(
                receivers.push_order_event, sender=Order, dispatch_uid=receivers.PUSH_UID
            )
        websocket_event.connect(receivers.track_live_watchers, dispatch_uid=receivers.WATCHERS_UID)
