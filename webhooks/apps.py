from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    """Signed webhooks of order events to the shop's other systems (ERP, 3PL, marketing)."""

    name = "webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.checks import register

        from orders.models import Order
        from webhooks import receivers
        from webhooks.checks import check_private_urls
        from webhooks.events import SIGNALS

        register(check_private_urls)
        for signal in SIGNALS:
            signal.connect(
                receivers.queue_webhooks, sender=Order, dispatch_uid=receivers.QUEUE_WEBHOOKS_UID
            )
