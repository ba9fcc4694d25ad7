"""Load beyond capacity: gunicorn's worker refuses what waited too long, with 503 and Retry-After.

gunicorn runs with the project's configuration (``shop/gunicorn_conf.py``, the
``SheddingThreadWorker``) and one thread, serving a stand-in application that holds the
thread for a second per request. Requests that wait longer than ``WEB_QUEUE_TIMEOUT`` for
the thread are answered 503 without reaching the application; those within it are served.
"""

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.live_services import BASE_DIR, free_port, wait_for

QUEUE_TIMEOUT = 0.3
HOLD_SECONDS = 1.0


@pytest.fixture
def one_thread_server() -> Iterator[str]:
    port = free_port()
    env = {
        **os.environ,
        "WEB_BIND": f"127.0.0.1:{port}",
        "WEB_WORKERS": "1",
        "WEB_THREADS": "1",
        "WEB_QUEUE_TIMEOUT": str(QUEUE_TIMEOUT),
        "SLOW_WSGI_SECONDS": str(HOLD_SECONDS),
    }
    command = [sys.executable, "-m", "gunicorn", "-c", "python:shop.gunicorn_conf"]
    command += ["tests.support.slow_wsgi:application"]
    process = subprocess.Popen(command, cwd=BASE_DIR, env=env)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for(lambda: get(url)[0] == 200, timeout=30, what="gunicorn")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()
    except OSError:
        return 0, {}, b""


def test_requests_that_waited_too_long_get_503_with_retry_after(one_thread_server):
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(get, [one_thread_server] * 4))

    statuses = sorted(status for status, _, _ in answers)
    assert statuses == [200, 503, 503, 503], "one served, three queued behind it for 1 s"
    for status, headers, body in answers:
        if status == 503:
            assert headers["Retry-After"] == "1"
            assert headers["Content-Type"] == "application/json"
            assert json.loads(body)["code"] == "overloaded"
    served_before = int(next(body for status, _, body in answers if status == 200))
    status, _, body = get(one_thread_server)
    assert status == 200
    assert int(body) == served_before + 1, "the refused requests never reached the application"


def test_requests_within_the_queue_timeout_are_served(one_thread_server):
    for _ in range(3):
        status, _, _ = get(one_thread_server)
        assert status == 200
