"""Every response carries a request id; a 500 logs one record with that id, path and user."""

import logging
import re

import pytest
from django.test import Client

from shop.request_errors import LOG_UNHANDLED_EXCEPTION_UID
from tests.factories import DEFAULT_PASSWORD
from tests.support.wiring import builtin_receiver, disconnected

UUID4_HEX = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def non_raising_client() -> Client:
    """A test client that gets the 500 response, as a browser would, instead of the view's
    exception."""
    return Client(raise_request_exception=False)


def error_records(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "shop.request_errors"]


@pytest.mark.django_db
def test_a_response_gets_a_new_request_id(non_raising_client):
    first, second = non_raising_client.get("/api/"), non_raising_client.get("/api/")

    assert first.status_code == 401, "set on error responses too"
    assert UUID4_HEX.fullmatch(first["X-Request-ID"])
    assert first["X-Request-ID"] != second["X-Request-ID"]


@pytest.mark.django_db
def test_a_sane_incoming_request_id_is_kept(non_raising_client):
    response = non_raising_client.get("/api/", headers={"X-Request-ID": "lb-7f3a.2:9"})
    assert response["X-Request-ID"] == "lb-7f3a.2:9"


@pytest.mark.django_db
@pytest.mark.parametrize("incoming", ["", "has space", "line\nbreak", "x" * 129, "ünïcode"])
def test_an_unusable_incoming_request_id_is_replaced(non_raising_client, incoming):
    response = non_raising_client.get("/api/", headers={"X-Request-ID": incoming})
    assert UUID4_HEX.fullmatch(response["X-Request-ID"])


@pytest.mark.django_db
@pytest.mark.urls("tests.support.error_urls")
def test_a_500_logs_request_id_method_path_and_user(non_raising_client, customer, caplog):
    non_raising_client.login(username=customer.username, password=DEFAULT_PASSWORD)

    with caplog.at_level(logging.ERROR):
        response = non_raising_client.get("/broken/?page=2", headers={"X-Request-ID": "req-42"})

    assert response.status_code == 500
    assert response["X-Request-ID"] == "req-42"
    [record] = error_records(caplog)
    fields = vars(record)  # the log call's ``extra``, which LogRecord does not declare
    assert (
        fields["request_id"],
        fields["method"],
        fields["path"],
        fields["user_id"],
        fields["error"],
    ) == (
        "req-42",
        "GET",
        "/broken/",
        customer.pk,
        "RuntimeError",
    )
    assert record.getMessage() == (
        f"Unhandled RuntimeError on GET /broken/ (request req-42, user {customer.pk})"
    )


@pytest.mark.django_db
@pytest.mark.urls("tests.support.error_urls")
def test_an_anonymous_500_logs_no_user(non_raising_client, caplog):
    with caplog.at_level(logging.ERROR):
        non_raising_client.post("/broken/")

    [record] = error_records(caplog)
    assert (vars(record)["method"], vars(record)["user_id"]) == ("POST", None)


@pytest.mark.django_db
@pytest.mark.urls("tests.support.error_urls")
def test_without_the_receiver_a_500_logs_no_request_record(non_raising_client, caplog):
    with (
        caplog.at_level(logging.ERROR),
        disconnected(builtin_receiver(LOG_UNHANDLED_EXCEPTION_UID)),
    ):
        response = non_raising_client.get("/broken/")

    assert response.status_code == 500
    assert error_records(caplog) == []
