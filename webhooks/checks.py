"""System check of the webhooks settings: private URLs are for development only."""

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error


def check_private_urls(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """``WEBHOOKS_ALLOW_PRIVATE_URLS`` would let staff point webhooks at internal services."""
    if settings.PRODUCTION and settings.WEBHOOKS_ALLOW_PRIVATE_URLS:
        return [
            Error(
                "WEBHOOKS_ALLOW_PRIVATE_URLS must be off when DJANGO_PRODUCTION=1.",
                hint="It lets webhooks reach loopback, private and metadata addresses.",
                id="webhooks.E001",
            )
        ]
    return []
