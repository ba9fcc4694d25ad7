"""SHOP_TRACKING_URLS is validated by a system check, so ``manage.py check`` (and ``migrate``,
``runserver``) refuse a bad value before any tracking link is built."""

import pytest
from django.core.checks import Error, run_checks
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

from orders.checks import check_tracking_urls

DHL_DE = "https://www.dhl.com/de-de/home/tracking.html?tracking-id={tracking}"


def error_ids(urls: dict) -> list[str | None]:
    with override_settings(SHOP_TRACKING_URLS=urls):
        return [error.id for error in check_tracking_urls()]


def test_the_defaults_and_a_good_override_pass():
    assert error_ids({}) == []
    assert error_ids({"dhl": DHL_DE, "ups": "https://ups.example/t/{tracking}"}) == []


@pytest.mark.parametrize(
    ("urls", "expected"),
    [
        ({"pigeon": DHL_DE}, ["orders.E001"]),
        ({"dhl": "http://tracking.example/{tracking}"}, ["orders.E002"]),
        ({"dhl": None}, ["orders.E002"]),
        ({"ups": "https://tracking.example/"}, ["orders.E003"]),
        ({"ups": "https://tracking.example/{tracking}/{tracking}"}, ["orders.E003"]),
        ({"pigeon": "ftp://x", "ups": "https://x/"}, ["orders.E001", "orders.E002", "orders.E003"]),
    ],
    ids=["unknown carrier", "http", "not a string", "no {tracking}", "two {tracking}", "all"],
)
def test_each_bad_entry_is_reported(urls, expected):
    assert error_ids(urls) == expected


def test_an_error_names_the_carrier_and_the_value():
    with override_settings(SHOP_TRACKING_URLS={"dhl": "http://tracking.example/{tracking}"}):
        [error] = check_tracking_urls()
    assert isinstance(error, Error)
    assert error.msg == (
        "SHOP_TRACKING_URLS['dhl'] must be an https:// URL, "
        "not 'http://tracking.example/{tracking}'."
    )


def test_the_check_is_registered():
    with override_settings(SHOP_TRACKING_URLS={"pigeon": DHL_DE}):
        assert "orders.E001" in [message.id for message in run_checks()]


def test_manage_py_check_fails_with_a_bad_setting():
    with (
        override_settings(SHOP_TRACKING_URLS={"ups": "https://tracking.example/"}),
        pytest.raises(SystemCheckError, match=r"orders\.E003"),
    ):
        call_command("check")


def test_manage_py_check_passes_with_the_defaults():
    call_command("check")
