"""Every log line of a request carries its request id, under WSGI and ASGI, in the plain
format and, with ``LOG_FORMAT=json``, as one JSON object per line."""

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from wsgiref.util import setup_testing_defaults

import pytest
from django.http.response import HttpResponseBase
from django.test import AsyncClient, Client

from shop import log_context
from shop.log_context import RequestIdFilter
from shop.wsgi import application
from tests.support.live_services import BASE_DIR


@pytest.fixture
def console() -> Iterator[io.StringIO]:
    """What the project's console handler (settings.LOGGING) writes during the test.

    The test client runs Django in the test's own thread and context, so an earlier test's
    request id would still be set: each test starts from none."""
    (handler,) = [
        handler
        for handler in logging.getLogger().handlers
        if any(isinstance(f, RequestIdFilter) for f in handler.filters)
    ]
    assert isinstance(handler, logging.StreamHandler)
    output = io.StringIO()
    previous = handler.setStream(output)
    token = log_context.request_id.set(log_context.NO_REQUEST)
    try:
        yield output
    finally:
        log_context.request_id.reset(token)
        handler.setStream(previous)


def lines_with(output: io.StringIO, text: str) -> list[str]:
    return [line for line in output.getvalue().splitlines() if text in line]


@pytest.mark.django_db
def test_django_s_own_line_for_a_404_names_the_request(console):
    response = Client().get("/no-such-page/", HTTP_X_REQUEST_ID="req-wsgi-1")

    assert response.status_code == 404
    (line,) = lines_with(console, "Not Found: /no-such-page/")
    assert " WARNING django.request [req-wsgi-1] Not Found" in line


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_under_asgi_the_id_reaches_lines_logged_in_the_view_s_thread(console):
    response = await AsyncClient().get("/no-such-page/", headers={"X-Request-ID": "req-asgi-1"})

    assert response.status_code == 404
    (line,) = lines_with(console, "Not Found: /no-such-page/")
    assert "[req-asgi-1]" in line


@pytest.mark.django_db
def test_the_id_ends_with_its_wsgi_request(console):
    """gunicorn's thread logs nothing of the last request's after it (shop/wsgi.py)."""
    environ = {"HTTP_X_REQUEST_ID": "req-wsgi-2", "PATH_INFO": "/no-such-page/"}
    setup_testing_defaults(environ)
    statuses = []
    body = application(environ, lambda status, headers: statuses.append(status))
    assert isinstance(body, HttpResponseBase)  # Django's WSGI handler returns the response
    b"".join(body)
    body.close()
    logging.getLogger("shop.test").warning("between requests")

    assert statuses == ["404 Not Found"]
    (not_found,) = lines_with(console, "Not Found: /no-such-page/")
    assert "[req-wsgi-2]" in not_found
    (between,) = lines_with(console, "between requests")
    assert " [-] between requests" in between


def test_log_format_json_writes_one_object_per_line(tmp_path):
    code = (
        "import django, logging; django.setup(); from django.test import Client; "
        "logging.getLogger('shop.test').warning('outside'); "
        "Client().get('/no-such-page/', HTTP_X_REQUEST_ID='req-json-1')"
    )
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env={
            **env,
            "DJANGO_SETTINGS_MODULE": "shop.settings",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "LOG_FORMAT": "json",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    outside, not_found = (json.loads(line) for line in result.stderr.splitlines())
    assert outside["message"] == "outside"
    assert outside["request_id"] == "-"
    assert {"time", "level", "logger"} <= outside.keys()
    assert not_found["logger"] == "django.request"
    assert not_found["level"] == "WARNING"
    assert not_found["request_id"] == "req-json-1"
    assert not_found["message"] == "Not Found: /no-such-page/"
