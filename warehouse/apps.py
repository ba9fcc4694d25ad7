from django.apps import AppConfig


class WarehouseConfig(AppConfig):
    """Warehouse notices, created when an order ships."""

    name = "warehouse"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from orders.models import Order
        from orders.signals import order_shipped
        from warehouse import receivers

        order_shipped.connect(
            receivers.record_warehouse_notice, sender=Order, dispatch_uid=receivers.NOTICE_UID
        )
