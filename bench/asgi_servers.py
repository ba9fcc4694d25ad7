"""Benchmark uvicorn against daphne serving ``shop.asgi``: handshakes, fan-out, HTTP, memory.

Run from the project root: ``.venv/bin/python bench/asgi_servers.py [--quick] [--sqlite-only]``
(``--logs DIR`` keeps the server logs).
For each backend (SQLite + in-memory channel layer; PostgreSQL + Redis when reachable) and each
server, it seeds a fresh database, starts the server on 127.0.0.1 (ports 8870-8879), measures,
stops it, and prints a table with uvicorn/daphne ratios. bench/README.md explains the method.
"""

import argparse
import asyncio
import contextlib
import http.client
import json
import math
import os
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
PORTS = range(8870, 8880)
POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/shop_bench"
REDIS_URL = "redis://127.0.0.1:6379/7"
START_TIMEOUT = 60
REQUEST_TIMEOUT = 30  # one HTTP request, one handshake, all pongs
FRAME_TIMEOUT = 15  # an event not on every socket by then ends the fan-out
HTTP_DEADLINE = 300  # the HTTP phase stops here even if requests are still left
SETTLE_SECONDS = 1.0  # after the last event: time for late duplicates to show up
STOP_TIMEOUT = 15
CLEANUP_TIMEOUT = 15  # for disconnect handlers to remove watchers and group members
SERVERS: dict[str, Callable[[int], list[str]]] = {
    "uvicorn": lambda port: [
        *(sys.executable, "-m", "uvicorn", "shop.asgi:application"),
        *("--host", HOST, "--port", str(port), "--log-level", "warning"),
    ],
    # -v 0: no access log on stdout, like uvicorn's --log-level warning.
    "daphne": lambda port: [
        *(sys.executable, "-m", "daphne", "-v", "0"),
        *("-b", HOST, "-p", str(port), "shop.asgi:application"),
    ],
}


@dataclass(frozen=True)
class Sizes:
    sockets: int  # staff websockets on ws/orders/
    connect_concurrency: int
    events: int  # orders shipped one after another
    http_requests: int
    http_concurrency: int
    customers: int  # each also watches ws/orders/ during the fan-out
    orders: int


FULL = Sizes(200, 50, 20, 800, 16, 20, 60)
QUICK = Sizes(40, 20, 4, 160, 16, 4, 20)


# --- Backends: fresh storage for every server run ----------------------------------------------


@dataclass(frozen=True)
class Backend:
    name: str
    services: bool  # PostgreSQL + Redis rather than SQLite + in-memory layer

    def reset(self, workdir: Path, server: str) -> tuple[dict[str, str], dict[str, str]]:
        """Start from empty storage; return (environment to seed with, environment to serve)."""
        if not self.services:
            path = workdir.resolve() / f"{server}.sqlite3"
            path.unlink(missing_ok=True)
            database = {"DATABASE_URL": f"sqlite:///{path}"}
            return database, database
        _reset_services()
        # Seeding needs no channel layer or broker: it runs on the embedded defaults for those.
        serve = {"DATABASE_URL": POSTGRES_URL, "REDIS_URL": REDIS_URL}
        return {"DATABASE_URL": POSTGRES_URL}, serve

    def leftovers(self, serve_env: dict[str, str]) -> dict[str, int]:
        """What should be gone once every socket has closed: watcher rows, staff group members."""
        query = "SELECT count(*) FROM notifications_livewatcher"
        if not self.services:
            path = serve_env["DATABASE_URL"].removeprefix("sqlite:///")
            with contextlib.closing(sqlite3.connect(path, timeout=10)) as conn:
                return {"watchers_left": conn.execute(query).fetchone()[0]}
        import psycopg
        import redis

        with psycopg.connect(POSTGRES_URL, connect_timeout=5) as conn:
            [(watchers,)] = conn.execute(query).fetchall()  # count(*): always one row
        client = redis.Redis.from_url(REDIS_URL)
        members = client.zcard("asgi:group:staff")
        client.close()
        return {"watchers_left": watchers, "group_members_left": members}


SQLITE = Backend("SQLite + in-memory layer", services=False)
SERVICES = Backend("PostgreSQL + Redis (socket_timeout fix)", services=True)


def _reset_services() -> None:
    import psycopg
    import redis

    admin_url = POSTGRES_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        conn.execute("DROP DATABASE IF EXISTS shop_bench WITH (FORCE)")
        conn.execute("CREATE DATABASE shop_bench")
    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    client.close()


def services_problem() -> str | None:
    """None when PostgreSQL and Redis answer; otherwise why not."""
    try:
        _reset_services()
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def base_env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("DJANGO_")}
    for name in ("DATABASE_URL", "REDIS_URL", "CELERY_TASK_ALWAYS_EAGER", "PYTHONPATH"):
        env.pop(name, None)
    return env | {
        "DJANGO_SETTINGS_MODULE": "shop.settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }


def seed(env: dict[str, str], sizes: Sizes) -> dict:
    result = subprocess.run(
        [sys.executable, "bench/asgi_seed.py", str(sizes.customers), str(sizes.orders)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode != 0:
        raise RuntimeError(f"seeding failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- Server processes ---------------------------------------------------------------------------


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind((HOST, port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORTS.start}-{PORTS.stop - 1}")


@contextlib.contextmanager
def server_process(server: str, port: int, env: dict[str, str], log: Path) -> Iterator[int]:
    """Run the server until the block ends (terminate, then kill); yield its pid once healthy."""
    with log.open("w") as output:
        process = subprocess.Popen(
            SERVERS[server](port), cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not _healthy(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{server} did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield process.pid
        if process.poll() is not None:
            raise RuntimeError(f"{server} died during the run:\n{log.read_text()[-3000:]}")
    finally:
        process.terminate()
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}/health/", timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS (now) and VmHWM (peak RSS) of a process, in KiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in {"VmRSS", "VmHWM"}:
            fields[name] = int(value.split()[0])
    return fields


EXCEPTION_LINE = re.compile(r"^[\w.]+(Error|Exception|Exit)\b")


def log_errors(text: str) -> Counter[str]:
    """The exception lines of a server log's tracebacks, counted (chained ones count too)."""
    return Counter(line[:160] for line in text.splitlines() if EXCEPTION_LINE.match(line))


# --- HTTP ---------------------------------------------------------------------------------------


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def http_load(port: int, token: str, total: int, concurrency: int) -> dict:
    """GET /api/orders/?page=1 ``total`` times from ``concurrency`` keep-alive connections."""
    headers = {"Authorization": f"Token {token}"}
    latencies: list[float] = []
    errors: list[str] = []
    start = threading.Barrier(concurrency + 1)
    deadline = time.monotonic() + HTTP_DEADLINE

    def worker(count: int) -> None:
        conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
        start.wait()
        for _ in range(count):
            if time.monotonic() > deadline:
                errors.append("deadline passed")
                break
            began = time.perf_counter()
            try:
                conn.request("GET", "/api/orders/?page=1", headers=headers)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
                reconnect = True
            else:
                latencies.append(time.perf_counter() - began)
                if response.status != 200:
                    errors.append(f"HTTP {response.status}")
                reconnect = response.will_close
            if reconnect:
                conn.close()
                conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
        conn.close()

    shares = [total // concurrency + (n < total % concurrency) for n in range(concurrency)]
    threads = [threading.Thread(target=worker, args=(share,)) for share in shares]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    return {
        "http_rps": len(latencies) / elapsed,
        "http_p50_ms": percentile(latencies, 50) * 1000,
        "http_p95_ms": percentile(latencies, 95) * 1000,
        "http_errors": len(errors),
        "_samples": errors[:3],
    }


def post_json(url: str, body: dict, token: str) -> int:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Token {token}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


# --- Websockets ---------------------------------------------------------------------------------


async def open_sockets(
    url: str, tokens: list[str], concurrency: int
) -> tuple[list[ClientConnection], list[float], list[str], float]:
    """Open one socket per token, ``concurrency`` handshakes at a time; time each and in all."""
    limit = asyncio.Semaphore(concurrency)
    latencies: list[float] = []
    errors: list[str] = []

    async def one(token: str) -> ClientConnection | None:
        async with limit:
            began = time.perf_counter()
            try:
                # No compression: daphne does not offer permessage-deflate, uvicorn would.
                socket = await connect(
                    url,
                    additional_headers={"Authorization": f"Token {token}"},
                    compression=None,
                    open_timeout=REQUEST_TIMEOUT,
                )
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}")
                return None
            latencies.append(time.perf_counter() - began)
            return socket

    began = time.perf_counter()
    opened = await asyncio.gather(*(one(token) for token in tokens))
    elapsed = time.perf_counter() - began
    return [socket for socket in opened if socket is not None], latencies, errors, elapsed


async def settle(sockets: list[ClientConnection]) -> list[ClientConnection]:
    """Ping every socket and await its pong; return the sockets that answered.

    A consumer handles its frames in order, so the pong proves its connect work (group join,
    ``LiveWatcher`` row) is done: the fan-out then does not race the handshakes' writes.
    """

    async def pong(socket: ClientConnection) -> ClientConnection:
        await socket.send(json.dumps({"type": "ping"}))
        while json.loads(await socket.recv()).get("type") != "pong":
            pass
        return socket

    answers = await asyncio.gather(
        *(asyncio.wait_for(pong(socket), REQUEST_TIMEOUT) for socket in sockets),
        return_exceptions=True,
    )
    return [answer for answer in answers if isinstance(answer, ClientConnection)]


@dataclass
class Inbox:
    """What one socket received: ``order.shipped`` receipt times per order id; closed or not."""

    shipped: defaultdict[int, list[float]] = field(default_factory=lambda: defaultdict(list))
    closed: bool = False


async def read_frames(socket: ClientConnection, inbox: Inbox, on_first: Callable[[int], None]):
    with contextlib.suppress(Exception):
        async for raw in socket:
            frame = json.loads(raw)
            if frame.get("type") == "order.shipped":
                times = inbox.shipped[frame["order_id"]]
                times.append(time.perf_counter())
                if len(times) == 1:
                    on_first(frame["order_id"])
    inbox.closed = True  # the server closed it (the reader is cancelled before we close)


async def websocket_phase(port: int, data: dict, sizes: Sizes) -> dict:
    """Handshakes of staff sockets, then fan-out of shipped orders to them (and to customers)."""
    url = f"ws://{HOST}:{port}/ws/orders/"
    staff, latencies, errors, elapsed = await open_sockets(
        url, [data["staff_token"]] * sizes.sockets, sizes.connect_concurrency
    )
    customers, _, customer_errors, _ = await open_sockets(
        url, data["customer_tokens"], sizes.connect_concurrency
    )
    opened = staff + customers
    results: dict[str, Any] = {  # the JSON report: numbers, and a few sample errors
        "ws_handshakes_per_s": len(staff) / elapsed,
        "ws_handshake_p95_ms": percentile(latencies, 95) * 1000,
        "ws_handshake_errors": len(errors) + len(customer_errors),
        "_samples": (errors + customer_errors)[:3],
    }
    try:
        answered = set(await settle(opened))
        results |= await fan_out(
            port,
            data,
            sizes,
            [socket for socket in staff if socket in answered],
            [socket if socket in answered else None for socket in customers],
        )
        results["sockets_lost"] += len(opened) - len(answered)  # lost before the fan-out
        results["rss_sockets_open_kib"] = memory_kib(data["pid"])["VmRSS"]
    finally:
        await asyncio.gather(*(socket.close() for socket in opened))
    return results


async def fan_out(
    port: int,
    data: dict,
    sizes: Sizes,
    staff: list[ClientConnection],
    customers: list[ClientConnection | None],
) -> dict:
    """Ship orders one at a time; time each until every staff socket has its frame."""
    first_receipts: Counter[int] = Counter()
    complete: dict[int, asyncio.Event] = {}

    def on_staff_frame(order_id: int) -> None:
        first_receipts[order_id] += 1
        if first_receipts[order_id] == len(staff) and order_id in complete:
            complete[order_id].set()

    staff_inboxes = [Inbox() for _ in staff]
    customer_inboxes = [Inbox() for _ in customers]
    readers = [
        asyncio.create_task(read_frames(socket, inbox, on_staff_frame))
        for socket, inbox in zip(staff, staff_inboxes, strict=True)
    ] + [
        asyncio.create_task(read_frames(socket, inbox, lambda _: None))
        for socket, inbox in zip(customers, customer_inboxes, strict=True)
        if socket is not None
    ]
    sent_at: dict[int, float] = {}
    post_latencies: list[float] = []
    ship_errors: list[str] = []
    for order_id, _ in data["orders"][: sizes.events]:
        complete[order_id] = asyncio.Event()
        body = {"carrier": "dhl", "tracking_number": f"JD{order_id:010d}"}
        began = time.perf_counter()
        status = await asyncio.to_thread(
            post_json,
            f"http://{HOST}:{port}/api/orders/{order_id}/ship/",
            body,
            data["staff_token"],
        )
        post_latencies.append(time.perf_counter() - began)
        if status != 200:  # not shipped: no frame to wait for
            ship_errors.append(f"ship order {order_id}: HTTP {status}")
            continue
        sent_at[order_id] = began
        try:
            await asyncio.wait_for(complete[order_id].wait(), FRAME_TIMEOUT)
        except TimeoutError:
            ship_errors.append(f"order {order_id}: not on every socket after {FRAME_TIMEOUT} s")
            break  # the next events would wait just as long
    await asyncio.sleep(SETTLE_SECONDS)
    for reader in readers:
        reader.cancel()

    latencies = [
        inbox.shipped[order_id][0] - sent_at[order_id]
        for inbox in staff_inboxes
        for order_id in sent_at
        if inbox.shipped.get(order_id)
    ]
    received = sum(
        len(inbox.shipped.get(order_id, ())) for inbox in staff_inboxes for order_id in sent_at
    )
    expected = len(staff) * len(sent_at)
    return {
        "fanout_p50_ms": percentile(latencies, 50) * 1000,
        "fanout_p95_ms": percentile(latencies, 95) * 1000,
        "fanout_max_ms": max(latencies, default=math.nan) * 1000,
        "ship_post_p50_ms": percentile(post_latencies, 50) * 1000,
        "events_shipped": len(sent_at),
        "frames_expected": expected,
        "frames_received": received,
        "frames_duplicated": received - len(latencies),
        "frames_missing": expected - len(latencies),
        "frames_stray": sum(
            len(times)
            for inbox in staff_inboxes
            for order_id, times in inbox.shipped.items()
            if order_id not in sent_at
        ),
        "customer_feeds_wrong": _wrong_customer_feeds(data, sent_at, customers, customer_inboxes),
        "sockets_lost": sum(inbox.closed for inbox in staff_inboxes + customer_inboxes),
        "ship_errors": len(ship_errors),
        "_ship_samples": ship_errors[:3],
    }


def _wrong_customer_feeds(
    data: dict, shipped: dict[int, float], sockets: list, inboxes: list[Inbox]
) -> int:
    """Customers whose socket did not get exactly their own shipped orders, each exactly once."""
    expected: defaultdict[int, set[int]] = defaultdict(set)
    for order_id, customer in data["orders"]:
        if order_id in shipped:
            expected[customer].add(order_id)
    return sum(
        socket is None
        or set(inbox.shipped) != expected[customer]
        or any(len(times) != 1 for times in inbox.shipped.values())
        for customer, (socket, inbox) in enumerate(zip(sockets, inboxes, strict=True))
    )


# --- One server ---------------------------------------------------------------------------------


def warm_up(port: int, token: str) -> None:
    """First requests import and connect lazily; keep that out of the timings."""
    http_load(port, token, total=8, concurrency=2)

    async def handshake() -> None:
        sockets, _, errors, _ = await open_sockets(f"ws://{HOST}:{port}/ws/orders/", [token], 1)
        if errors:
            raise RuntimeError(f"warm-up handshake failed: {errors[0]}")
        await sockets[0].close()

    asyncio.run(handshake())


def wait_for_cleanup(leftovers: Callable[[], dict[str, int]]) -> dict[str, int]:
    """Poll until nothing is left over or CLEANUP_TIMEOUT passes; return the last counts."""
    deadline = time.monotonic() + CLEANUP_TIMEOUT
    left = leftovers()
    while any(left.values()) and time.monotonic() < deadline:
        time.sleep(0.5)
        left = leftovers()
    return left


def bench_server(server: str, backend: Backend, sizes: Sizes, workdir: Path) -> dict:
    seed_env, serve_env = backend.reset(workdir, server)
    data = seed(base_env() | seed_env, sizes)
    port = free_port()
    log = workdir / f"{server}-{'services' if backend.services else 'sqlite'}.log"
    with server_process(server, port, base_env() | serve_env, log) as pid:
        data["pid"] = pid
        warm_up(port, data["staff_token"])
        http = http_load(port, data["staff_token"], sizes.http_requests, sizes.http_concurrency)
        ws = asyncio.run(websocket_phase(port, data, sizes))
        left = wait_for_cleanup(lambda: backend.leftovers(serve_env))
        memory = memory_kib(pid)
    errors = log_errors(log.read_text())
    return {
        **http,
        **ws,
        **left,
        "rss_end_kib": memory["VmRSS"],
        "rss_peak_kib": memory["VmHWM"],
        "server_log_errors": sum(errors.values()),
        "_samples": http["_samples"] + ws["_samples"] + ws.get("_ship_samples", []),
        "_log_errors": errors,
    }


# --- Report -------------------------------------------------------------------------------------

# (key, label, format, better): "high"/"low" get a ratio; "" rows are counts to check.
ROWS = [
    ("ws_handshakes_per_s", "ws handshakes/s", "{:.0f}", "high"),
    ("ws_handshake_p95_ms", "ws handshake p95 ms", "{:.0f}", "low"),
    ("fanout_p50_ms", "fan-out p50 ms", "{:.0f}", "low"),
    ("fanout_p95_ms", "fan-out p95 ms", "{:.0f}", "low"),
    ("fanout_max_ms", "fan-out max ms", "{:.0f}", "low"),
    ("ship_post_p50_ms", "ship POST p50 ms", "{:.0f}", "low"),
    ("http_rps", "HTTP req/s", "{:.0f}", "high"),
    ("http_p50_ms", "HTTP p50 ms", "{:.0f}", "low"),
    ("http_p95_ms", "HTTP p95 ms", "{:.0f}", "low"),
    ("rss_sockets_open_kib", "RSS, sockets open MiB", "{:.1f}", "low"),
    ("rss_end_kib", "RSS after run MiB", "{:.1f}", "low"),
    ("rss_peak_kib", "RSS peak MiB", "{:.1f}", "low"),
    ("events_shipped", "events shipped", "{:d}", ""),
    ("frames_expected", "frames expected", "{:d}", ""),
    ("frames_received", "frames received", "{:d}", ""),
    ("frames_duplicated", "frames duplicated", "{:d}", ""),
    ("frames_missing", "frames missing", "{:d}", ""),
    ("frames_stray", "frames for other orders", "{:d}", ""),
    ("customer_feeds_wrong", "customer feeds wrong", "{:d}", ""),
    ("sockets_lost", "sockets closed by server", "{:d}", ""),
    ("watchers_left", "LiveWatcher rows left", "{:d}", ""),
    ("group_members_left", "staff group members left", "{:d}", ""),
    ("ws_handshake_errors", "ws handshake errors", "{:d}", ""),
    ("ship_errors", "ship errors", "{:d}", ""),
    ("http_errors", "HTTP errors", "{:d}", ""),
    ("server_log_errors", "exceptions in server log", "{:d}", ""),
]


def report(backend: Backend, sizes: Sizes, results: dict[str, dict]) -> None:
    print(f"\n## {backend.name}: {sizes}\n")
    print(f"| {'metric':<24} | {'uvicorn':>8} | {'daphne':>8} | {'u/d':>5} | better |")
    print(f"|{'-' * 26}|{'-' * 9}:|{'-' * 9}:|{'-' * 6}:|--------|")
    for key, label, fmt, better in ROWS:
        values = [results[server].get(key) for server in SERVERS]
        if key.endswith("_kib"):
            values = [None if value is None else value / 1024 for value in values]
        cells = ["-" if value is None else fmt.format(value) for value in values]
        ratio = (
            f"{values[0] / values[1]:.2f}" if better and None not in values and values[1] else ""
        )
        print(f"| {label:<24} | {cells[0]:>8} | {cells[1]:>8} | {ratio:>5} | {better:<6} |")
    for server, result in results.items():
        for sample in result["_samples"]:
            print(f"{server}: {sample}")
        for line, count in result["_log_errors"].most_common(5):
            print(f"{server} log, {count}x: {line}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small numbers: under a minute")
    parser.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL + Redis")
    parser.add_argument("--logs", type=Path, help="keep server logs (and SQLite files) here")
    args = parser.parse_args()
    sizes = QUICK if args.quick else FULL
    backends = [SQLITE]
    if not args.sqlite_only:
        problem = services_problem()
        if problem:
            print(f"PostgreSQL + Redis skipped: {problem}")
        else:
            backends.append(SERVICES)
    began = time.monotonic()
    python = sys.version.split()[0]
    print(f"{time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs, Python {python}")
    try:
        with tempfile.TemporaryDirectory(prefix="asgi-bench-") as tmp:
            workdir = args.logs or Path(tmp)
            workdir.mkdir(parents=True, exist_ok=True)
            for backend in backends:
                results = {
                    server: bench_server(server, backend, sizes, workdir) for server in SERVERS
                }
                report(backend, sizes, results)
    finally:
        if SERVICES in backends:
            _reset_services()  # leave no queued tasks or rows behind in Redis DB 7 / shop_bench
    print(f"\ntotal {time.monotonic() - began:.0f} s")


if __name__ == "__main__":
    main()
