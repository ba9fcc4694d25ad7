"""Private services and real processes for the fault-injection suite in ``tests/faults/``.

Everything here is started and stopped by the tests themselves: a Redis server and a
PostgreSQL 15 cluster on free ports (never the machine's shared services, which other
processes rely on), an SMTP sink that can be slow or refuse connections, web servers as in
production (gunicorn for HTTP, uvicorn for websockets) and a Celery worker with embedded beat.
Child processes write their output to files whose tails are attached to the report of a
failing test.
"""

import asyncio
import contextlib
import email
import http.cookiejar
import json
import logging
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any

import psycopg
import redis
from aiosmtpd.controller import Controller
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from tests.support.live_services import BASE_DIR, PRODUCTION_WS, free_port, wait_for

PG_BIN = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
DATABASE_NAME = "shop"
WAREHOUSE_EMAIL = "warehouse@faults.example"
START_TIMEOUT = 60
SHIP = {"carrier": "dhl", "tracking_number": "JD0147250001"}

# The timing contract of shop/settings.py, shortened so each fault recovers in seconds.
# docs/faults.md derives a real deployment's recovery times from the defaults instead.
FAST_TIMINGS = {
    "OUTBOX_SWEEP_INTERVAL": "1",
    "OUTBOX_STALE_AFTER": "2",
    "DELIVERY_LEASE": "3",
    "DELIVERY_RETRY_BASE": "0.5",
    "DELIVERY_RETRY_MAX": "2",
    "CELERY_VISIBILITY_TIMEOUT": "30",
}
# Long enough for a duplicate to show: past a lease, a stale sweep and a retry.
SETTLE_SECONDS = 4.0

# Rows the tests create; the schema's own rows (permissions, groups) survive a reset.
KEPT_TABLES = {
    "django_migrations",
    "django_content_type",
    "auth_permission",
    "auth_group",
    "auth_group_permissions",
}


# --- Child processes --------------------------------------------------------------------------


@dataclass
class ChildProcess:
    """A command in its own session, so SIGKILL takes its children too (the embedded beat)."""

    name: str
    command: list[str]
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.command,
                cwd=BASE_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole process group: no shutdown handler runs, as in an OOM kill."""
        assert self.process is not None, "kill() before start()"
        self._signal_group(signal.SIGKILL)
        self.process.wait()

    def stop(self, timeout: float = 10) -> None:
        if self.process is None:
            return
        self._signal_group(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=timeout)
        self._signal_group(signal.SIGKILL)  # whatever is left of the group
        self.process.wait()

    def _signal_group(self, signum: int) -> None:
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signum)

    def tail(self, chars: int = 4000) -> str:
        if not self.log_path.exists():
            return "(no output)"
        return self.log_path.read_text(errors="replace")[-chars:]


# --- Redis ------------------------------------------------------------------------------------


@dataclass
class PrivateRedis:
    """``redis-server`` on a free port, without persistence: stopped and started by tests."""

    port: int
    log_path: Path
    child: ChildProcess = field(init=False)

    def __post_init__(self) -> None:
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        command += ["--save", "", "--appendonly", "no"]
        self.child = ChildProcess("redis", command, dict(os.environ), self.log_path)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.child.start()
        wait_for(self.ping, timeout=START_TIMEOUT, what=f"redis-server on port {self.port}")

    def stop(self) -> None:
        self.child.stop()

    def ping(self) -> bool:
        try:
            return redis.Redis(port=self.port, socket_timeout=1).ping()
        except redis.ConnectionError:
            return False

    def flush(self) -> None:
        """Empty the broker queues and the channel layer between tests (our instance only)."""
        redis.Redis(port=self.port).flushall()


# --- PostgreSQL -------------------------------------------------------------------------------


def _as_postgres() -> list[str]:
    """initdb refuses to run as root: run the server binaries as the postgres system user."""
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


@dataclass
class PrivatePostgres:
    """A throwaway PostgreSQL 15 cluster: trust auth, no fsync, a free port, our own socket."""

    root: Path
    port: int

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log_path(self) -> Path:
        return self.root / "server.log"

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{DATABASE_NAME}"

    @classmethod
    def in_new_directory(cls) -> "PrivatePostgres":
        """A cluster in a directory outside pytest's tmp tree, which postgres cannot enter."""
        return cls(root=Path(tempfile.mkdtemp(prefix="faults-pg-")), port=free_port())

    def init(self) -> None:
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.root, owner.pw_uid, owner.pw_gid)
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1"
        options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._pg_ctl("start", "-l", str(self.log_path), "-o", options)

    def restart(self) -> None:
        """A fast restart: every session is cut, as a crash or failover would do."""
        self._pg_ctl("restart", "-l", str(self.log_path), "-m", "fast")

    def remove(self) -> None:
        """Stop the server, if it runs, and delete the cluster."""
        self._pg_ctl("stop", "-m", "immediate", check=False)
        shutil.rmtree(self.root, ignore_errors=True)

    def running(self) -> bool:
        try:
            with psycopg.connect(self._admin_url, connect_timeout=2):
                return True
        except psycopg.OperationalError:
            return False

    def create_database(self) -> None:
        with psycopg.connect(self._admin_url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {DATABASE_NAME}")

    def reset(self) -> None:
        """Empty every table the tests write, in one statement (TRUNCATE ... CASCADE)."""
        tables = self.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        written = [name for (name,) in tables if name not in KEPT_TABLES]
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f"TRUNCATE {', '.join(written)} RESTART IDENTITY CASCADE")

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Run one query on a new connection: it works across restarts."""
        with psycopg.connect(self.url, connect_timeout=5) as conn:
            return conn.execute(sql, params).fetchall()

    def tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""

    @property
    def _admin_url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _pg_ctl(self, action: str, *options: str, check: bool = True) -> None:
        timeout = str(START_TIMEOUT)
        self._run(
            "pg_ctl", "-D", str(self.data), "-w", "-t", timeout, *options, action, check=check
        )

    def _run(self, binary: str, *args: str, check: bool = True) -> None:
        command = [*_as_postgres(), str(PG_BIN / binary), *args]
        result = subprocess.run(command, capture_output=True, text=True, cwd=self.root)
        if check and result.returncode != 0:
            raise RuntimeError(f"{binary} {' '.join(args)} failed:\n{result.stdout}{result.stderr}")


# --- SMTP sink --------------------------------------------------------------------------------


@dataclass
class Received:
    message: Message
    at: float  # time.monotonic() when its DATA completed

    @property
    def message_id(self) -> str:
        return self.message.get("Message-ID", "")

    @property
    def to(self) -> str:
        return self.message.get("To", "")

    @property
    def subject(self) -> str:
        return str(self.message.get("Subject", ""))


@dataclass
class Delivery:
    """What the sink received against what it should have: the figures of the fault report."""

    expected: int
    delivered: int  # expected emails received at least once
    duplicated: int  # extra copies, by (recipient, order) and by Message-ID
    lost: int
    unexpected: int
    last_at: float


class SMTPSink:
    """An aiosmtpd server recording messages; slow before accepting, or refusing connections.

    A message is recorded only when its DATA completes, so a worker killed while ``sending``
    is set has not delivered it. ``stop()`` closes the port (connections are refused) and
    ``start()`` opens it again on the same port.
    """

    def __init__(self, host: str = "127.0.0.1", port: int | None = None) -> None:
        self.host, self.port = host, port or free_port()
        self.delay = 0.0  # seconds each RCPT waits before it is accepted
        self.sending = threading.Event()  # set when a send reaches RCPT
        self.in_flight = ""  # the recipient of the last send that reached RCPT
        self.received: list[Received] = []
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    def start(self) -> None:
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # a line per SMTP command
        self._controller = Controller(self, hostname=self.host, port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def reset(self) -> None:
        if self._controller is None:
            self.start()
        self.delay = 0.0
        self.sending.clear()
        with self._lock:
            self.received.clear()

    async def handle_RCPT(self, server, session, envelope, address: str, rcpt_options) -> str:
        self.in_flight = address
        self.sending.set()
        if self.delay:
            await asyncio.sleep(self.delay)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:
        received = Received(email.message_from_bytes(envelope.content), time.monotonic())
        with self._lock:
            self.received.append(received)
        return "250 Message accepted for delivery"

    def messages(self) -> list[Received]:
        with self._lock:
            return list(self.received)

    def delivery(self, expected: set[tuple[str, str]]) -> Delivery:
        """Count by (recipient, order number in the subject) and by Message-ID."""
        messages = self.messages()
        numbers = {number for _, number in expected}
        keys = Counter(
            (message.to, next((n for n in numbers if n in message.subject), ""))
            for message in messages
        )
        ids = Counter(message.message_id for message in messages)
        by_key = sum(count - 1 for key, count in keys.items() if key in expected)
        by_id = sum(count - 1 for count in ids.values())
        return Delivery(
            expected=len(expected),
            delivered=len(expected & keys.keys()),
            duplicated=max(by_key, by_id),
            lost=len(expected - keys.keys()),
            unexpected=sum(count for key, count in keys.items() if key not in expected),
            last_at=max((message.at for message in messages), default=0.0),
        )

    def wait_for_all(self, expected: set[tuple[str, str]], *, timeout: float) -> Delivery:
        """Wait until every expected email came, then a while longer for any duplicate."""
        wait_for(
            lambda: self.delivery(expected).lost == 0,
            timeout=timeout,
            interval=0.2,
            what=f"{len(expected)} emails at the SMTP sink",
        )
        time.sleep(SETTLE_SECONDS)
        return self.delivery(expected)


# --- Web servers and the worker ---------------------------------------------------------------


@dataclass
class WebServer:
    """The production pair: gunicorn (shop/gunicorn_conf.py) for HTTP, uvicorn for websockets."""

    port: int
    child: ChildProcess
    ws_port: int
    ws_child: ChildProcess

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.ws_port}"

    @property
    def children(self) -> tuple[ChildProcess, ChildProcess]:
        return self.child, self.ws_child

    def start(self) -> None:
        for child, port in ((self.child, self.port), (self.ws_child, self.ws_port)):
            child.start()
            wait_for(
                lambda child=child, port=port: (
                    not child.running or answers(f"http://127.0.0.1:{port}/health/")
                ),
                timeout=START_TIMEOUT,
                what=f"{child.name} on port {port}",
            )
            assert child.running, f"{child.name} exited during start-up:\n{child.tail()}"

    def stop(self) -> None:
        for child in self.children:
            child.stop()


@dataclass
class Worker:
    """``celery worker --beat --pool=solo``: one task at a time, its own beat schedule."""

    root: Path
    env: dict[str, str]
    log_path: Path
    starts: int = 0
    child: ChildProcess | None = None

    def start(self) -> None:
        self.starts += 1
        node = f"faults-{os.getpid()}-{self.starts}@localhost"
        command = [sys.executable, "-m", "celery", "-A", "shop", "worker", "--beat"]
        command += ["--pool=solo", "--loglevel=INFO", "-n", node, "--without-mingle"]
        command += ["--without-gossip", "--schedule", str(self.root / f"beat-{self.starts}")]
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        child = self.child = ChildProcess("worker", command, self.env, self.log_path)
        child.start()

        def ready() -> bool:
            if not child.running:
                return True
            with self.log_path.open("rb") as log:
                log.seek(offset)
                return f"{node} ready.".encode() in log.read()

        wait_for(ready, timeout=START_TIMEOUT, what=f"Celery worker {node}")
        assert child.running, f"the worker exited during start-up:\n{child.tail()}"

    def kill(self) -> None:
        assert self.child is not None, "kill() before start()"
        self.child.kill()

    def stop(self) -> None:
        if self.child is not None:
            self.child.stop()


# --- HTTP -------------------------------------------------------------------------------------


def answers(url: str) -> bool:
    """Whether anything answers HTTP at ``url`` (a 503 counts: the server is up)."""
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def get_status(url: str, timeout: float = 10) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def ship(base: str, order_id: int, token: str, timeout: float = 60) -> int:
    """``POST /api/orders/{id}/ship/``; the HTTP status. No answer at all fails the test."""
    request = urllib.request.Request(
        f"{base}/api/orders/{order_id}/ship/",
        data=json.dumps(SHIP).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Token {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def admin_ship(base: str, *, username: str, password: str, order_id: int) -> int:
    """Sign in to the admin and submit the order's ship page, as staff in a browser do."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )

    def submit(path: str, fields: dict[str, str]) -> int:
        with opener.open(f"{base}{path}", timeout=30) as page:
            found = _CSRF.search(page.read().decode())
        assert found is not None, f"no CSRF token on {path}"
        token = found.group(1)
        data = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": token}).encode()
        with opener.open(f"{base}{path}", data=data, timeout=30) as response:
            return response.status

    submit("/admin/login/", {"username": username, "password": password, "next": "/admin/"})
    return submit(
        f"/admin/orders/order/{order_id}/ship/",
        {**SHIP, "notify_customer": "on"},
    )


# --- Websockets -------------------------------------------------------------------------------


PING, PONG = {"type": "ping"}, {"type": "pong"}


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Token {token}"}


async def _until_pong(socket: ClientConnection, timeout: float) -> list[dict[str, Any]]:
    """Everything the server sends before the answer to a ping sent now."""
    await socket.send(json.dumps(PING))
    received = []
    while (message := json.loads(await asyncio.wait_for(socket.recv(), timeout))) != PONG:
        received.append(message)
    return received


def catch_up(url: str, token: str, timeout: float = 15) -> list[dict[str, Any]]:
    """Connect with ``?after=0`` and return the backlog (the frames before our ping's pong)."""

    async def run() -> list[dict[str, Any]]:
        async with connect(f"{url}?after=0", additional_headers=_headers(token)) as socket:
            return await _until_pong(socket, timeout)

    return asyncio.run(run())


def handshake_outcome(url: str, token: str, timeout: float = 5) -> str:
    """How a websocket handshake ends: ``http 503``, ``close 4503``, ``open`` (accepted and
    not closed) or ``timeout`` (no answer to the handshake)."""

    async def run() -> str:
        try:
            async with connect(
                url, additional_headers=_headers(token), open_timeout=timeout
            ) as socket:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(timeout):
                        async for _ in socket:  # an error frame may come before the close
                            pass
                        code = socket.close_code
                        return f"close {code if code is not None else 1006}"
                return "open"
        except InvalidStatus as refused:
            return f"http {refused.response.status_code}"
        except ConnectionClosed as closed:
            return f"close {closed.rcvd.code if closed.rcvd else 1006}"
        except TimeoutError:
            return "timeout"

    return asyncio.run(run())


class Subscriber:
    """A websocket client in its own thread and loop, recording every frame it receives."""

    def __init__(self, url: str, token: str, timeout: float = 15) -> None:
        self.url, self.token, self.timeout = url, token, timeout
        self.messages: list[dict[str, Any]] = []
        self._loop = asyncio.new_event_loop()
        self._socket: ClientConnection | None = None
        self._subscribed = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._loop.run_until_complete, args=(self._run(),), daemon=True
        )

    def __enter__(self) -> "Subscriber":
        self._thread.start()
        assert self._subscribed.wait(self.timeout), f"no subscription: {self._error!r}"
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._socket is not None:
            asyncio.run_coroutine_threadsafe(self._socket.close(), self._loop)
        self._thread.join(self.timeout)
        if not self._thread.is_alive():
            self._loop.close()

    async def _run(self) -> None:
        try:
            async with connect(self.url, additional_headers=_headers(self.token)) as socket:
                self._socket = socket
                self.messages.extend(await _until_pong(socket, self.timeout))  # subscribed
                self._subscribed.set()
                async for frame in socket:
                    self.messages.append(json.loads(frame))
        except ConnectionClosed:
            pass
        except Exception as error:
            self._error = error
            self._subscribed.set()

    def everything_so_far(self) -> list[dict[str, Any]]:
        """Ping and wait for the pong: every frame sent before it has been recorded."""
        assert self._socket is not None, "not subscribed"
        pongs = self.messages.count(PONG)
        future = asyncio.run_coroutine_threadsafe(self._socket.send(json.dumps(PING)), self._loop)
        future.result(self.timeout)
        wait_for(lambda: self.messages.count(PONG) > pongs, timeout=self.timeout, what="the pong")
        return [message for message in self.messages if message != PONG]


# --- The harness: one per test ----------------------------------------------------------------


@dataclass(frozen=True)
class OrderRef:
    id: int
    number: str
    email: str  # its customer's: every order has its own customer


@dataclass(frozen=True)
class Shop:
    """What ``create_orders`` made: placed orders and a staff user (a superuser) with a token."""

    staff_username: str
    staff_token: str
    orders: list[OrderRef]

    def expected_emails(self, orders: list[OrderRef] | None = None) -> set[tuple[str, str]]:
        """(recipient, order number) of every email: the customer's and the warehouse's."""
        orders = self.orders if orders is None else orders
        return {(o.email, o.number) for o in orders} | {(WAREHOUSE_EMAIL, o.number) for o in orders}


# Runs in ``manage.py shell``: the factories write the rows, in one process start.
_CREATE_ORDERS = """
import json
from rest_framework.authtoken.models import Token
from tests.factories import AdminFactory, OrderFactory, UserFactory
staff = AdminFactory.create(username="faults-staff")
orders = [OrderFactory.create(customer=UserFactory.create(password=None)) for _ in range({count})]
print(json.dumps({{
    "staff_token": Token.objects.create(user=staff).key,
    "orders": [[order.pk, order.number, order.customer.email] for order in orders],
}}))
"""


class FaultHarness:
    """The processes of one test, all on the private PostgreSQL, Redis and SMTP sink."""

    def __init__(
        self, root: Path, postgres: PrivatePostgres, redis: PrivateRedis, sink: SMTPSink
    ) -> None:
        self.root, self.postgres, self.redis, self.sink = root, postgres, redis, sink
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "shop.settings",
            "DATABASE_URL": postgres.url,
            "REDIS_URL": redis.url,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": sink.host,
            "EMAIL_PORT": str(sink.port),
            "WAREHOUSE_EMAIL": WAREHOUSE_EMAIL,
            "DJANGO_DEBUG": "0",
            # The webhook receiver of tests/faults/test_webhooks.py listens on loopback.
            "WEBHOOKS_ALLOW_PRIVATE_URLS": "1",
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            # The lock under test, not the write throttle, decides concurrent ships.
            "API_THROTTLE_WRITES": "100000/min",
            "PYTHONUNBUFFERED": "1",
            **FAST_TIMINGS,
        }
        self.web_servers: list[WebServer] = []
        # As docs/operations.md runs it: the worker keeps its connection between tasks.
        worker_env = self.env | {"DATABASE_CONN_MAX_AGE": "60"}
        self.worker = Worker(root=root, env=worker_env, log_path=root / "worker.log")

    def start_web(self) -> WebServer:
        name = f"web-{len(self.web_servers) + 1}"
        port, ws_port = free_port(), free_port()
        http = [sys.executable, "-m", "gunicorn", "-c", "python:shop.gunicorn_conf"]
        ws = [sys.executable, "-m", "uvicorn", "shop.asgi:application", *PRODUCTION_WS]
        ws += ["--host", "127.0.0.1", "--port", str(ws_port), "--log-level", "warning"]
        server = WebServer(
            port,
            ChildProcess(
                f"{name}-http",
                http,
                self.env | {"WEB_BIND": f"127.0.0.1:{port}", "WEB_WORKERS": "2"},
                self.root / f"{name}-http.log",
            ),
            ws_port,
            ChildProcess(f"{name}-ws", ws, self.env, self.root / f"{name}-ws.log"),
        )
        self.web_servers.append(server)
        server.start()
        return server

    def create_orders(self, count: int) -> Shop:
        result = self.manage_shell(_CREATE_ORDERS.format(count=count))
        assert result.returncode == 0, result.stdout + result.stderr
        created = json.loads(result.stdout.strip().splitlines()[-1])
        return Shop(
            staff_username="faults-staff",
            staff_token=created["staff_token"],
            orders=[OrderRef(*row) for row in created["orders"]],
        )

    def manage_shell(self, code: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=BASE_DIR,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT,
        )

    def scalar(self, sql: str, params: tuple = ()) -> Any:
        return self.postgres.query(sql, params)[0][0]

    def not_sent(self) -> dict[str, int]:
        """Email logs and warehouse notices pending or failed: none once a fault is over."""
        return {
            "email_logs": self.scalar(
                "SELECT count(*) FROM notifications_emaillog WHERE status <> 'sent'"
            ),
            "notices": self.scalar(
                "SELECT count(*) FROM warehouse_warehousenotice WHERE status <> 'sent'"
            ),
        }

    def log_tails(self) -> list[tuple[str, str]]:
        children = [child for server in self.web_servers for child in server.children]
        if self.worker.child is not None:
            children.append(self.worker.child)
        tails = [(child.name, child.tail()) for child in children]
        return [*tails, ("postgres", self.postgres.tail()), ("redis", self.redis.child.tail())]

    def close(self) -> None:
        for server in self.web_servers:
            server.stop()
        self.worker.stop()
