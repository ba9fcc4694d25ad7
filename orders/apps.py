from django.apps import AppConfig


class OrdersConfig(AppConfig):
    """The core app. It sends the order signals and never imports the apps that receive them."""

    name = "orders"
    default_auto_field = "django.db.models.BigAutoField"
