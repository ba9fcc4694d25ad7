from django.apps import AppConfig


class OrdersConfig(AppConfig):
    """The core app. It sends the order signals and never imports the apps that receive them."""

    name = "orders"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.signals import setting_changed

        from orders import receivers

        setting_changed.connect(
            receivers.reset_tracking_urls, dispatch_uid=receivers.TRACKING_URLS_UID
        )
