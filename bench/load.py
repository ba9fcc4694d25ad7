"""A small asyncio HTTP/1.1 load generator: keep-alive connections, closed and open loops.

It speaks HTTP/1.1 over asyncio (uvloop) with httptools' response parser, both already pinned
for uvicorn, so the client spends as little of the shared 2 cores as a Python client can. A
response's time is taken when its last byte is parsed, not when the waiting task resumes.

- Closed loop: N clients, each on its own connection, send a request as soon as the previous
  answer arrived, for a fixed time. Throughput is answers per second.
- Open loop (wrk2's method, against coordinated omission): request i is due at t0 + i/rate,
  whatever the server does, and its latency runs from that scheduled time, so time spent
  waiting for a free connection (the server being slow) is counted. Requests still unanswered
  ``timeout`` seconds after their scheduled time count as timeouts.
"""

import asyncio
import json
import math
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import httptools

HOST = "127.0.0.1"


class HTTPError(Exception):
    pass


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    done_at: float


class _Protocol(asyncio.Protocol):
    def __init__(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.waiter: asyncio.Future[Answer] | None = None
        self.headers: dict[str, str] = {}
        self.body: list[bytes] = []
        self.closed = False

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(HTTPError(f"bad response: {exc}"))

    def connection_lost(self, exc) -> None:
        self.closed = True
        self._fail(ConnectionError(f"connection closed: {exc}"))

    def _fail(self, exc: Exception) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(exc)

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_body(self, body: bytes) -> None:
        self.body.append(body)

    def on_message_complete(self) -> None:
        done_at = time.perf_counter()
        answer = Answer(self.parser.get_status_code(), self.headers, b"".join(self.body), done_at)
        if not self.parser.should_keep_alive():
            self.closed = True
        self.headers, self.body = {}, []
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(answer)


class Connection:
    """One keep-alive connection; reconnects when the server closed it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.protocol: _Protocol | None = None

    async def request(self, raw: bytes) -> Answer:
        if self.protocol is None or self.protocol.closed:
            loop = asyncio.get_running_loop()
            _, self.protocol = await loop.create_connection(_Protocol, HOST, self.port)
        protocol = self.protocol
        protocol.waiter = asyncio.get_running_loop().create_future()
        assert protocol.transport is not None  # set by connection_made, before the connect returned
        protocol.transport.write(raw)
        try:
            return await protocol.waiter
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self.protocol is not None and self.protocol.transport is not None:
            self.protocol.transport.close()
        self.protocol = None


def build_request(
    method: str, path: str, port: int, headers: dict[str, str], body: dict | None = None
) -> bytes:
    data = b"" if body is None else json.dumps(body).encode()
    lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{port}", "Accept: application/json"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(data)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + data


# A request maker returns the next request's bytes, or None when there is nothing left to send
# (the ship phases run out of placed orders).
RequestMaker = Callable[[], bytes | None]


@dataclass
class Result:
    """What a phase measured. Latencies in seconds; ``statuses`` counts answers by code."""

    name: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    errors: Counter = field(default_factory=Counter)  # exceptions and timeouts, by kind
    retry_after_missing: int = 0  # 429/503 answers without Retry-After
    exhausted: bool = False  # stopped early: no more requests to make
    sent: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def answered(self) -> int:
        return sum(self.statuses.values())

    @property
    def ok(self) -> int:
        return sum(n for status, n in self.statuses.items() if 200 <= status < 300)

    @property
    def failed(self) -> int:
        """Everything that is not a 2xx: error statuses, exceptions, timeouts."""
        return self.answered - self.ok + sum(self.errors.values())

    @property
    def throughput(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def record(self, answer: Answer, began: float) -> None:
        self.latencies.append(answer.done_at - began)
        self.statuses[answer.status] += 1
        if answer.status in (429, 503) and "retry-after" not in answer.headers:
            self.retry_after_missing += 1

    def summary(self) -> dict:
        return {
            "seconds": round(self.seconds, 3),
            "sent": self.sent,
            "answered": self.answered,
            "ok": self.ok,
            "throughput_per_s": round(self.throughput, 1),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "errors": dict(self.errors),
            "retry_after_missing": self.retry_after_missing,
            "exhausted": self.exhausted,
            "latency_ms": latency_summary(self.latencies),
            **self.extra,
        }


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = min(len(ordered) - 1, max(0, math.ceil(pct / 100 * len(ordered)) - 1))
    return ordered[rank]


def latency_summary(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    ordered = sorted(values)

    def at(pct: float) -> float:
        rank = min(len(ordered) - 1, max(0, math.ceil(pct / 100 * len(ordered)) - 1))
        return round(ordered[rank] * 1000, 2)

    return {
        "n": len(ordered),
        "p50": at(50),
        "p90": at(90),
        "p99": at(99),
        "p99.9": at(99.9),
        "max": round(ordered[-1] * 1000, 2),
        "mean": round(sum(ordered) / len(ordered) * 1000, 2),
    }


async def closed_loop(
    name: str, port: int, make: RequestMaker, *, clients: int, seconds: float, timeout: float = 30
) -> Result:
    """``clients`` connections, each sending its next request when the last one is answered."""
    result = Result(name)
    began = time.perf_counter()
    deadline = began + seconds

    async def client() -> None:
        connection = Connection(port)
        try:
            while time.perf_counter() < deadline:
                raw = make()
                if raw is None:
                    result.exhausted = True
                    return
                sent = time.perf_counter()
                result.sent += 1
                try:
                    answer = await asyncio.wait_for(connection.request(raw), timeout)
                except TimeoutError:
                    result.errors["timeout"] += 1
                    continue
                except (OSError, HTTPError) as exc:
                    result.errors[type(exc).__name__] += 1
                    await asyncio.sleep(0.01)  # no hot loop against a refusing server
                    continue
                result.record(answer, sent)
        finally:
            connection.close()

    await asyncio.gather(*(client() for _ in range(clients)))
    result.seconds = time.perf_counter() - began
    return result


async def open_loop(
    name: str,
    port: int,
    make: RequestMaker,
    *,
    rate: float,
    seconds: float,
    timeout: float = 10,
    max_connections: int = 512,
) -> Result:
    """Requests due at a constant rate; each one's latency runs from its scheduled time."""
    result = Result(name)
    idle: list[Connection] = []
    opened = 0
    available = asyncio.Condition()
    late_starts: list[float] = []

    async def acquire() -> Connection:
        nonlocal opened
        async with available:
            while not idle and opened >= max_connections:
                await available.wait()
            if idle:
                return idle.pop()
            opened += 1
            return Connection(port)

    async def release(connection: Connection | None) -> None:
        nonlocal opened
        async with available:
            if connection is None:
                opened -= 1
            else:
                idle.append(connection)
            available.notify()

    async def one(raw: bytes, due: float) -> None:
        connection = None
        healthy = False
        try:
            async with asyncio.timeout_at(asyncio.get_running_loop().time() + timeout):
                connection = await acquire()
                answer = await connection.request(raw)
            result.record(answer, due)
            healthy = True
        except TimeoutError:
            result.errors["timeout"] += 1
        except (OSError, HTTPError) as exc:
            result.errors[type(exc).__name__] += 1
        if connection is None:
            return
        if not healthy:
            connection.close()
        await release(connection if healthy else None)

    tasks = []
    began = time.perf_counter()
    total = int(rate * seconds)
    for i in range(total):
        due = began + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        else:
            late_starts.append(-delay)
        raw = make()
        if raw is None:
            result.exhausted = True
            break
        result.sent += 1
        tasks.append(asyncio.create_task(one(raw, due)))
    result.seconds = time.perf_counter() - began
    await asyncio.gather(*tasks)
    result.extra["connections_opened"] = opened + len(idle)
    result.extra["schedule_lag_ms_p99"] = round(percentile(late_starts, 99) * 1000, 2)
    for connection in idle:
        connection.close()
    return result


async def sequential(name: str, port: int, make: RequestMaker, *, count: int) -> Result:
    """One client, one request at a time: the unloaded latency."""
    result = Result(name)
    connection = Connection(port)
    began = time.perf_counter()
    try:
        for _ in range(count):
            raw = make()
            if raw is None:
                result.exhausted = True
                break
            sent = time.perf_counter()
            result.sent += 1
            try:
                result.record(await asyncio.wait_for(connection.request(raw), 30), sent)
            except (TimeoutError, OSError, HTTPError) as exc:
                result.errors[type(exc).__name__] += 1
    finally:
        connection.close()
    result.seconds = time.perf_counter() - began
    return result
