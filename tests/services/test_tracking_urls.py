"""Tracking links come from SHOP_TRACKING_URLS over the defaults, read on every call, so
override_settings works. The setting's system check is in test_tracking_url_check.py."""

from django.test import override_settings

from orders.carriers import tracking_url

DHL_DE = "https://www.dhl.com/de-de/home/tracking.html?tracking-id={tracking}"
DEFAULT_DHL = "https://www.dhl.com/global-en/home/tracking.html?tracking-id=JD%2F01"


def test_the_defaults_quote_the_tracking_number():
    assert tracking_url("dhl", "JD/01") == DEFAULT_DHL


def test_override_settings_changes_the_links_and_restores_them():
    tracking_url("dhl", "JD/01")  # a cached lookup would keep returning this one

    with override_settings(SHOP_TRACKING_URLS={"dhl": DHL_DE}):
        assert tracking_url("dhl", "JD/01") == DHL_DE.replace("{tracking}", "JD%2F01")
        assert tracking_url("ups", "1Z9").startswith("https://www.ups.com/")

    assert tracking_url("dhl", "JD/01") == DEFAULT_DHL
