from django.apps import AppConfig


class OrdersConfig(AppConfig):
    """The core app. It sends the order signals and never imports the apps that receive them."""

    name = "orders"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.checks import register

        from orders.checks import check_tracking_urls

        register(check_tracking_urls)
