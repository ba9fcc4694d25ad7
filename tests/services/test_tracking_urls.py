"""Tracking links come from SHOP_TRACKING_URLS over the defaults, validated once and cached;
the setting_changed receiver drops the cache, so override_settings works."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from orders.carriers import tracking_url
from orders.receivers import TRACKING_URLS_UID
from tests.support.wiring import builtin_receiver, disconnected

DHL_DE = "https://www.dhl.com/de-de/home/tracking.html?tracking-id={tracking}"
DEFAULT_DHL = "https://www.dhl.com/global-en/home/tracking.html?tracking-id=JD%2F01"


def test_the_defaults_quote_the_tracking_number():
    assert tracking_url("dhl", "JD/01") == DEFAULT_DHL


def test_override_settings_changes_the_links_and_restores_them():
    tracking_url("dhl", "JD/01")  # fill the cache first

    with override_settings(SHOP_TRACKING_URLS={"dhl": DHL_DE}):
        assert tracking_url("dhl", "JD/01") == DHL_DE.replace("{tracking}", "JD%2F01")
        assert tracking_url("ups", "1Z9").startswith("https://www.ups.com/")

    assert tracking_url("dhl", "JD/01") == DEFAULT_DHL


def test_without_the_receiver_the_cache_hides_the_new_setting():
    tracking_url("dhl", "JD/01")
    with disconnected(builtin_receiver(TRACKING_URLS_UID)):
        with override_settings(SHOP_TRACKING_URLS={"dhl": DHL_DE}):
            stale = tracking_url("dhl", "JD/01")
        assert stale == DEFAULT_DHL


@pytest.mark.parametrize(
    ("urls", "message"),
    [
        ({"pigeon": DHL_DE}, "unknown carrier 'pigeon'"),
        ({"dhl": "http://tracking.example/{tracking}"}, r"SHOP_TRACKING_URLS\['dhl'\] must be"),
        ({"ups": "https://tracking.example/"}, r"SHOP_TRACKING_URLS\['ups'\] must be"),
    ],
)
def test_a_bad_setting_is_a_clear_configuration_error(urls, message):
    with (
        override_settings(SHOP_TRACKING_URLS=urls),
        pytest.raises(ImproperlyConfigured, match=message),
    ):
        tracking_url("dhl", "JD01")
