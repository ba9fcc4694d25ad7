"""The stack ``make bench`` owns: its own database, Redis DBs, SMTP sink, web server and worker.

Everything is private to one run and removed at the end, also after Ctrl-C:
- PostgreSQL: a database ``bench_<random>`` owned by a role of the same name on the machine's
  server (127.0.0.1:5432, user postgres, trust). The role's CONNECTION LIMIT caps the run's
  own connections, so a collapse of this app cannot take the shared server's last connections
  from the other projects' tests (superusers ignore such a limit, hence the role).
- Redis on 127.0.0.1:6379: DB 10 for the channel layer and the cache (``REDIS_URL``), DB 11 for
  the Celery broker (``CELERY_BROKER_URL``, which Celery reads before its setting). Only these
  two are flushed, before and after.
- The SMTP sink (``bench/smtp_sink.py``), the web servers as docs/operations.md says (HTTP:
  ``gunicorn -c python:shop.gunicorn_conf``; websockets: ``uvicorn shop.asgi:application
  --workers 2``), one Celery worker and one beat as docs/operations.md says
  (``celery -A shop worker`` and ``celery -A shop beat``), all with
  ``DJANGO_PRODUCTION=1`` and ``DJANGO_SETTINGS_MODULE=bench.settings`` (production's settings
  plus the limit view). Ports are free ones in 8900-8999.

Each child runs in its own session (a terminal's Ctrl-C reaches only the harness, which then
stops them in order) with RLIMIT_NOFILE raised to its hard limit, for 10,000 sockets.
"""

import contextlib
import json
import os
import resource
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
PORTS = range(8900, 9000)
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
REDIS_LAYER_DB = 10
REDIS_BROKER_DB = 11
STOP_TIMEOUT = 20


WORKER_NICE = 10  # docs/operations.md: Celery below the web servers on a shared host


def raise_nofile() -> int:
    """Raise this process's open-file limit to the hard limit; return the new soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def free_port(taken: set[int]) -> int:
    for port in PORTS:
        if port in taken:
            continue
        with socket.socket() as probe:
            try:
                probe.bind((HOST, port))
            except OSError:
                continue
        taken.add(port)
        return port
    raise RuntimeError("no free port in 8900-8999")


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


@dataclass
class Child:
    name: str
    popen: subprocess.Popen
    log: Path

    def alive(self) -> bool:
        return self.popen.poll() is None

    def log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""


class Stack:
    def __init__(self, workdir: Path, *, db_connection_limit: int, say=print) -> None:
        self.workdir = workdir
        self.say = say
        self.db_connection_limit = db_connection_limit
        self.name = f"bench_{secrets.token_hex(4)}"
        self.ports: set[int] = set()
        self.children: dict[str, Child] = {}
        self.database_created = False
        self.role_created = False
        self.monitor: psycopg.Connection | None = None
        self.web_port = 0  # HTTP: gunicorn
        self.ws_port = 0  # websockets: uvicorn
        self.smtp_port = 0
        self.env: dict[str, str] = {}

    # --- Lifecycle --------------------------------------------------------------------------

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start(self, *, orders: int, customers: int) -> dict:
        """Database, Redis, SMTP sink, seed; then web, worker and beat. Returns the seed data."""
        raise_nofile()
        self.create_database()
        self.flush_redis()
        self.smtp_port = free_port(self.ports)
        self.web_port = free_port(self.ports)
        self.ws_port = free_port(self.ports)
        self.env = self.child_env()
        began = time.monotonic()
        seed_file = self.workdir / "seed.json"
        self.run_python(
            "seed",
            [
                "bench/seed.py",
                "--orders",
                str(orders),
                "--customers",
                str(customers),
                "--out",
                str(seed_file),
            ],
        )
        data = json.loads(seed_file.read_text())
        self.say(f"migrated and seeded {orders} orders in {time.monotonic() - began:.0f} s")
        self.start_smtp()
        self.start_web()
        self.start_worker()
        return data

    def close(self) -> None:
        """Stop every child (web first), drop the database and the role, flush the Redis DBs."""
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C waits
        try:
            for name in ["http", "ws", "beat", "worker", "smtp", *self.children]:
                if name in self.children:
                    self.stop(name)
            if self.monitor is not None:
                with contextlib.suppress(Exception):
                    self.monitor.close()
            self.drop_database()
            with contextlib.suppress(Exception):
                self.flush_redis()
        finally:
            signal.signal(signal.SIGINT, previous)

    # --- PostgreSQL ---------------------------------------------------------------------------

    @property
    def database_url(self) -> str:
        return f"postgres://{self.name}@{HOST}:5432/{self.name}"

    def create_database(self) -> None:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(
                f'CREATE ROLE "{self.name}" LOGIN CONNECTION LIMIT {self.db_connection_limit}'
            )
            self.role_created = True
            admin.execute(f'CREATE DATABASE "{self.name}" OWNER "{self.name}"')
            self.database_created = True
        self.say(f"database {self.name} (its role may hold {self.db_connection_limit} connections)")

    def drop_database(self) -> None:
        if not (self.database_created or self.role_created):
            return
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            if self.database_created:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
                self.database_created = False
            if self.role_created:
                admin.execute(f'DROP ROLE IF EXISTS "{self.name}"')
                self.role_created = False

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        """A query on the bench database through one superuser connection, outside the cap."""
        if self.monitor is None or self.monitor.closed:
            self.monitor = psycopg.connect(
                f"postgresql://postgres@{HOST}:5432/{self.name}", autocommit=True
            )
        return self.monitor.execute(sql, params).fetchall()

    def pg_stats(self) -> dict[str, int]:
        """Counters of this database since its creation (all processes of the stack)."""
        self.query("SELECT pg_stat_clear_snapshot()")
        row = self.query(
            "SELECT sessions, xact_commit, xact_rollback, tup_inserted, tup_updated,"
            " tup_deleted, tup_fetched FROM pg_stat_database WHERE datname = %s",
            (self.name,),
        )[0]
        keys = ("sessions", "commits", "rollbacks", "inserted", "updated", "deleted", "fetched")
        return dict(zip(keys, (int(v or 0) for v in row), strict=True))

    def backlog(self) -> dict[str, int]:
        """Emails and warehouse notices still to send, and events still to dispatch."""
        row = self.query(
            "SELECT (SELECT count(*) FROM notifications_emaillog WHERE status = 'pending'),"
            " (SELECT count(*) FROM warehouse_warehousenotice WHERE status = 'pending'),"
            " (SELECT count(*) FROM orders_orderevent WHERE dispatched_at IS NULL)"
        )[0]
        return {"emails": row[0], "notices": row[1], "undispatched": row[2]}

    def watchers(self) -> int:
        return self.query("SELECT count(*) FROM notifications_livewatcher")[0][0]

    # --- Redis ------------------------------------------------------------------------------

    def redis(self, db: int = REDIS_LAYER_DB) -> redis.Redis:
        return redis.Redis(host=HOST, port=6379, db=db)

    def flush_redis(self) -> None:
        for db in (REDIS_LAYER_DB, REDIS_BROKER_DB):
            client = self.redis(db)
            client.flushdb()
            client.close()

    def group_members(self) -> int:
        """Group subscriptions left: channels-redis's pub/sub layer subscribes each process to
        ``<prefix>__group__<name>`` while it has a member in the group (the run's own prefix:
        pub/sub channels are not per database)."""
        client = self.redis()
        try:
            groups = client.pubsub_channels(f"{self.name}__group__*")
            return sum(count for _name, count in client.pubsub_numsub(*groups)) if groups else 0
        finally:
            client.close()

    # --- Processes --------------------------------------------------------------------------

    def child_env(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "CELERY_", "EMAIL_"))
        }
        return env | {
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "DJANGO_PRODUCTION": "1",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
            "DJANGO_ALLOWED_HOSTS": HOST,
            # A TLS proxy would sit in front in production; here the clients speak plain HTTP.
            "DJANGO_SECURE_SSL_REDIRECT": "0",
            "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": HOST,
            "EMAIL_PORT": str(self.smtp_port),
            "DATABASE_URL": self.database_url,
            "REDIS_URL": f"redis://{HOST}:6379/{REDIS_LAYER_DB}",
            "CELERY_BROKER_URL": f"redis://{HOST}:6379/{REDIS_BROKER_DB}",
            # One staff token ships every order: the per-user write limit (60/min by default)
            # would otherwise answer 429 to all but one ship a second.
            "API_THROTTLE_WRITES": "10000000/min",
            # Redis pub/sub channels are shared by every database of the server: without a
            # prefix of its own, the run's sockets would get the pushes of any other test
            # using the same Redis (and theirs, the run's ships). bench/settings.py sets it.
            "BENCH_CHANNEL_PREFIX": self.name,
            "PYTHONUNBUFFERED": "1",
        }

    def spawn(
        self, name: str, args: list[str], env: dict[str, str] | None = None, *, nice: int = 0
    ) -> Child:
        log = self.workdir / f"{name}.log"
        handle = log.open("ab")
        popen = subprocess.Popen(
            [sys.executable, *args],
            cwd=ROOT,
            env=env or self.env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=lambda: (raise_nofile(), os.nice(nice)),
        )
        handle.close()
        child = Child(name, popen, log)
        self.children[name] = child
        return child

    def run_python(self, name: str, args: list[str], env: dict[str, str] | None = None) -> str:
        child = self.spawn(name, args, env)
        try:
            code = child.popen.wait(timeout=600)
        finally:
            self.stop(name)
        if code != 0:
            raise RuntimeError(f"{name} failed ({code}):\n{child.log_text()[-3000:]}")
        return child.log_text()

    def wait_for_log(self, child: Child, text: str, count: int = 1, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while child.log_text().count(text) < count:
            if not child.alive():
                raise RuntimeError(f"{child.name} exited:\n{child.log_text()[-3000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"{child.name}: no {text!r} after {timeout} s")
            time.sleep(0.2)

    def stop(self, name: str) -> None:
        child = self.children.pop(name, None)
        if child is None or child.popen.poll() is not None:
            return
        pgid = child.popen.pid  # its own session: the group holds it and its workers
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.popen.wait(timeout=STOP_TIMEOUT)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)  # what is left of the group (workers)
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.popen.wait(timeout=5)

    def start_smtp(self) -> None:
        child = self.spawn("smtp", ["bench/smtp_sink.py", "--port", str(self.smtp_port)])
        self.wait_for_log(child, "ready")

    def smtp_slow(self, slow: bool) -> None:
        self.children["smtp"].popen.send_signal(signal.SIGUSR1 if slow else signal.SIGUSR2)

    def start_web(self) -> None:
        """The documented production servers: gunicorn for HTTP, uvicorn for websockets."""
        http = self.spawn(
            "http",
            ["-m", "gunicorn", "-c", "python:shop.gunicorn_conf"],
            self.env | {"WEB_BIND": f"{HOST}:{self.web_port}"},
        )
        uvicorn = ["-m", "uvicorn", "shop.asgi:application", "--host", HOST, "--workers", "2"]
        # A worker pausing for a full garbage collection of 5,000 sockets (up to 4.4 s measured
        # at load 7-10) must not be killed by the supervisor with them (bench/README.md).
        uvicorn += ["--timeout-worker-healthcheck", "30"]
        uvicorn += ["--ws", "shop.websocket_protocol:WebSocketProtocol"]
        ws = self.spawn("ws", [*uvicorn, "--port", str(self.ws_port)])
        self.wait_for_log(ws, "Started server process", count=2)  # both workers
        for port, child in ((self.web_port, http), (self.ws_port, ws)):
            self.wait_healthy(port, child)
        self.say(
            f"gunicorn on port {self.web_port}: pids {self.http_workers()};"
            f" uvicorn --workers 2 on port {self.ws_port}: pids {self.ws_workers()}"
        )

    def wait_healthy(self, port: int, child: Child) -> None:
        deadline = time.monotonic() + 60
        while True:
            try:
                url = f"http://{HOST}:{port}/health/"
                with urllib.request.urlopen(url, timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            if time.monotonic() > deadline or not child.alive():
                raise RuntimeError(f"{child.name} not healthy:\n{child.log_text()[-3000:]}")
            time.sleep(0.3)

    def restart_web(self) -> None:
        self.stop("http")
        self.stop("ws")
        self.start_web()

    def http_workers(self) -> list[int]:
        """gunicorn's worker processes (forked children of its master)."""
        return children(self.children["http"].popen.pid)

    def ws_workers(self) -> list[int]:
        """The uvicorn worker processes (spawned children of the master)."""
        master = self.children["ws"].popen.pid
        return sorted(
            pid
            for pid in children(master)
            if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
        )

    def web_cpu_seconds(self) -> float:
        """User plus system CPU seconds of the web processes (both servers' workers) so far."""
        total = 0
        for pid in self.http_workers() + self.ws_workers():
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / os.sysconf("SC_CLK_TCK")

    def web_rss_kib(self) -> dict[int, int]:
        """Resident memory of each websocket server process."""
        return {pid: rss_kib(pid) for pid in self.ws_workers()}

    def start_worker(self) -> None:
        """One Celery worker (its default pool: one process per core) and one beat.

        As docs/operations.md runs them on a host shared with the web servers: at a lower CPU
        priority (their work waits by design, a request's should not), the worker keeping its
        database connection between tasks.
        """
        worker = self.spawn(
            "worker",
            ["-m", "celery", "-A", "shop", "worker", "-l", "info"],
            self.env | {"DATABASE_CONN_MAX_AGE": "60"},
            nice=WORKER_NICE,
        )
        schedule = self.workdir / "celerybeat-schedule"
        self.spawn(
            "beat",
            ["-m", "celery", "-A", "shop", "beat", "-l", "info", "-s", str(schedule)],
            nice=WORKER_NICE,
        )
        self.wait_for_log(worker, " ready.")
        self.say("celery worker and beat running")
