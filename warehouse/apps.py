from django.apps import AppConfig


class WarehouseConfig(AppConfig):
    """Warehouse notices, created when an order ships, and the warehouse staff role."""

    name = "warehouse"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from orders.models import Order
        from orders.signals import order_shipped
        from warehouse import receivers

        order_shipped.connect(
            receivers.record_warehouse_notice,
            sender=Order,
            dispatch_uid=receivers.RECORD_WAREHOUSE_NOTICE_UID,
        )
        # sender=self: post_migrate is sent once per app; run once per migrate, not once per app.
        post_migrate.connect(
            receivers.create_staff_group, sender=self, dispatch_uid=receivers.CREATE_STAFF_GROUP_UID
        )
