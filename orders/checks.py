"""System checks of the orders app's settings, run by ``manage.py check``, ``migrate`` and
``runserver``: a bad value stops them with an error naming the setting, instead of each
lookup validating it again."""

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error

from orders.carriers import Carrier


def check_tracking_urls(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> list[CheckMessage]:
    """Each ``SHOP_TRACKING_URLS`` entry is a known carrier's https:// page with one
    ``{tracking}``."""
    errors: list[CheckMessage] = []
    for carrier, pattern in settings.SHOP_TRACKING_URLS.items():
        name = f"SHOP_TRACKING_URLS[{carrier!r}]"
        if carrier not in Carrier.values:
            errors.append(
                Error(
                    f"SHOP_TRACKING_URLS names an unknown carrier {carrier!r}.",
                    hint=f"Use one of {', '.join(Carrier.values)}.",
                    id="orders.E001",
                )
            )
        if not isinstance(pattern, str) or not pattern.startswith("https://"):
            errors.append(
                Error(f"{name} must be an https:// URL, not {pattern!r}.", id="orders.E002")
            )
        elif pattern.count("{tracking}") != 1:
            errors.append(
                Error(
                    f"{name} must contain {{tracking}} exactly once: {pattern!r}.",
                    hint="{tracking} is replaced by the URL-quoted tracking number.",
                    id="orders.E003",
                )
            )
    return errors
