"""Real local services for ``services`` tests: SMTP server, Celery worker, ASGI servers.

The worker and the ASGI servers are separate processes that connect to the same test
database (the tests using them are transactional, so they see committed rows) and to Redis
from REDIS_URL (broker and channel layer).
"""

import email
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path

import psycopg
import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection

from shop.celery import app as celery_app

BASE_DIR = Path(__file__).resolve().parents[2]  # the repository: tests/support/ is two below
# docs/websockets.md's JavaScript client, run under Node: ``node --experimental-websocket``.
JS_CLIENT = Path(__file__).resolve().parent / "js" / "watch_orders.mjs"
WORKER_START_TIMEOUT = 60
# What the live-server tests ship with, through a server's REST API.
SHIP = {"carrier": "dhl", "tracking_number": "JD0147250001"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def maintenance_connection() -> psycopg.Connection:
    """An autocommit connection to the server's ``postgres`` database, as the test settings'
    user: for creating and dropping the databases a test starts a stack on."""
    server = settings.DATABASES["default"]
    return psycopg.connect(
        dbname="postgres",
        user=server["USER"],
        password=server["PASSWORD"],
        host=server["HOST"],
        port=server["PORT"],
        autocommit=True,
    )


def wait_for(predicate, *, timeout: float = 30, interval: float = 0.1, what: str = "condition"):
    """Poll ``predicate`` until it returns something truthy; fail the test after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout}s waiting for {what}")


@dataclass
class SMTPInbox:
    """Messages received by the local SMTP server, parsed."""

    host: str
    port: int
    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[SMTPInbox]:
    inbox = SMTPInbox(host="127.0.0.1", port=free_port())
    controller = Controller(inbox, hostname=inbox.host, port=inbox.port)
    controller.start()
    yield inbox
    controller.stop()


@pytest.fixture
def smtp_inbox(smtp_server: SMTPInbox) -> SMTPInbox:
    smtp_server.messages.clear()
    return smtp_server


def _service_env(django_db_blocker, **overrides: str) -> dict[str, str]:
    """Environment for a child process: the test database, Redis, and ``overrides``."""
    with django_db_blocker.unblock():
        database_url = _database_url()
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": settings.REDIS_URL,
        **overrides,
    }


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _database_url() -> str:
    db = connection.settings_dict
    user = db["USER"] or ""
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    host = db["HOST"] or "127.0.0.1"
    return f"postgres://{user}{password}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, smtp_server) -> Iterator[None]:
    """A real ``celery worker`` on the test database, delivering mail to ``smtp_server``."""
    env = _service_env(
        django_db_blocker,
        CELERY_TASK_ALWAYS_EAGER="0",
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
        EMAIL_HOST=smtp_server.host,
        EMAIL_PORT=str(smtp_server.port),
    )
    node = f"test-{os.getpid()}@localhost"
    command = [sys.executable, "-m", "celery", "-A", "shop", "worker", "--pool=solo", "-n", node]
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(
            command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + WORKER_START_TIMEOUT
            while not celery_app.control.ping(destination=[node], timeout=0.5):
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    pytest.fail(f"Celery worker did not start:\n{log.read()[-4000:]}")
            yield
        finally:
            _stop(process)


@dataclass
class ASGIServer:
    port: int
    process: subprocess.Popen

    def stop(self) -> None:
        _stop(self.process)

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}"


def post_json(url: str, body: dict, token: str) -> tuple[int, dict]:
    """POST ``body`` as JSON to a live server with an API token; the status and decoded body."""
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Token {token}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.load(response)


def healthy(url: str) -> bool:
    """Whether ``url`` (a ``/health/``) answers 200 now; any error or refusal is a no."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory) -> Path:
    """Static files collected once, as production serves them through WhiteNoise."""
    root = tmp_path_factory.mktemp("static")
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=BASE_DIR,
        env={**os.environ, "DJANGO_STATIC_ROOT": str(root)},
        check=True,
    )
    return root


# The websocket protocol production runs (docs/websockets.md, "Servers and the channel layer").
PRODUCTION_WS = ("--ws", "shop.websocket_protocol:WebSocketProtocol")


@pytest.fixture
def asgi_server(django_db_blocker, collected_static) -> Iterator[Callable[..., ASGIServer]]:
    """Start uvicorn processes serving ``shop.asgi`` on the test database and Redis.

    ``asgi_server()`` starts one on a free port; ``asgi_server(port=...)`` restarts on a port.

    Celery runs eagerly inside them: these tests are about HTTP and websockets across
    processes; the worker has its own test.
    """
    env = _service_env(
        django_db_blocker,
        CELERY_TASK_ALWAYS_EAGER="1",
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        DJANGO_DEBUG="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_STATIC_ROOT=str(collected_static),
    )
    started: list[subprocess.Popen] = []

    def start(port: int | None = None) -> ASGIServer:
        port = port or free_port()
        command = [sys.executable, "-m", "uvicorn", "shop.asgi:application", *PRODUCTION_WS]
        command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
        process = subprocess.Popen(command, cwd=BASE_DIR, env=env)
        started.append(process)
        server = ASGIServer(port=port, process=process)
        wait_for(
            lambda: process.poll() is not None or healthy(f"{server.http}/health/"),
            timeout=WORKER_START_TIMEOUT,
            what=f"uvicorn on port {server.port}",
        )
        assert process.poll() is None, "uvicorn exited during start-up"
        return server

    try:
        yield start
    finally:
        for process in started:
            _stop(process)
