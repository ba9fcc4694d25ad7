"""``make bench``: start the production stack privately, measure every speed goal once.

Run from the project root: ``.venv/bin/python bench/run.py [--quick] [--logs DIR]``.
bench/stack.py starts the stack (its own PostgreSQL database, Redis DBs 10 and 11, SMTP sink,
gunicorn for HTTP, uvicorn for websockets, a Celery worker and beat), bench/load.py and
bench/sockets.py load it, bench/statements.py counts a ship's statements. Every goal is
printed with its figure and PASS or FAIL; results go to bench/results/<timestamp>.json (and
latest.json) with PNG plots.
bench/README.md explains the method.
"""

import argparse
import asyncio
import fcntl
import json
import math
import os
import platform
import random
import signal
import sys
import tempfile
import time
from collections import deque
from collections.abc import Awaitable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar

import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load
import plots
import sockets
from stack import ROOT, Stack

RESULTS = ROOT / "bench" / "results"
LOCK = Path(tempfile.gettempdir()) / "shop-make-bench.lock"
LIMIT_HEADERS = {"X-Bench-Key": "bench-limit-key"}  # bench/urls.py
T = TypeVar("T")


@dataclass(frozen=True)
class Sizes:
    orders: int  # placed orders seeded; every ship uses one up
    levels: tuple[int, ...]  # closed-loop clients
    level_seconds: float
    single: int  # one-client requests of each kind
    open100_seconds: float
    open200_seconds: float
    drain_timeout: float  # longest wait for the worker's backlog between phases
    push_levels: tuple[int, ...]
    push_events: int
    idle: int
    idle_open_seconds: float  # the idle sockets' handshakes stop after this
    cleanup_timeout: float
    smtp_ships: int
    profile_ships: int
    request_timeout: float = 10  # open loop: a request unanswered this long is a timeout


FULL = Sizes(
    orders=30_000,
    levels=(1, 4, 16, 32, 64),
    level_seconds=8,
    single=200,
    open100_seconds=60,
    open200_seconds=30,
    drain_timeout=90,
    push_levels=(10, 100, 1000),
    push_events=20,
    idle=10_000,
    idle_open_seconds=180,
    cleanup_timeout=60,
    smtp_ships=100,
    profile_ships=30,
)
QUICK = Sizes(
    orders=3_000,
    levels=(1, 8, 32),
    level_seconds=1.5,
    single=30,
    open100_seconds=5,
    open200_seconds=3,
    drain_timeout=10,
    push_levels=(10, 100),
    push_events=3,
    idle=250,
    idle_open_seconds=15,
    cleanup_timeout=15,
    smtp_ships=16,
    profile_ships=0,
    request_timeout=5,
)
GOAL_CLIENTS = 32


def say(text: str) -> None:
    print(text, flush=True)


class Orders:
    """Placed orders to ship, each once."""

    def __init__(self, ids: list[int]) -> None:
        self.ids = deque(ids)

    def take(self) -> int | None:
        return self.ids.popleft() if self.ids else None


class Bench:
    def __init__(self, stack: Stack, data: dict, sizes: Sizes) -> None:
        self.stack = stack
        self.sizes = sizes
        self.port = stack.web_port  # HTTP
        self.ws_port = stack.ws_port  # websockets
        self.token = data["staff_token"]
        self.auth = {"Authorization": f"Token {self.token}"}
        self.all_orders = data["orders"]
        self.orders = Orders(data["orders"][: len(data["orders"]) - sizes.profile_ships])
        self.results: dict = {}
        self.samples: dict[str, list[float]] = {}

    # --- Requests ---------------------------------------------------------------------------

    def limit_request(self) -> bytes:
        return load.build_request("GET", "/bench/limit/", self.port, LIMIT_HEADERS)

    def get_request(self) -> bytes:
        order_id = random.choice(self.all_orders)
        return load.build_request("GET", f"/api/orders/{order_id}/", self.port, self.auth)

    def ship_request(self) -> bytes | None:
        """The next placed order's ship request, or None once they are all taken."""
        order_id = self.orders.take()
        return None if order_id is None else self.ship_request_for(order_id)

    def ship_request_for(self, order_id: int) -> bytes:
        body = {"carrier": "dhl", "tracking_number": f"BN{order_id:010d}"}
        path = f"/api/orders/{order_id}/ship/"
        return load.build_request("POST", path, self.port, self.auth, body)

    # --- Helpers ----------------------------------------------------------------------------

    async def drain(self, timeout: float, *, stall: float | None = 3) -> float | None:
        """Seconds until no email or notice is pending and every event is dispatched (an
        undispatched event's email and notice do not exist yet); None: not after ``timeout``,
        or (between phases) once the backlog stopped shrinking for ``stall`` seconds: what is
        left then waits for the beat's sweeps, minutes away."""
        began = last_change = time.perf_counter()
        previous = None
        while True:
            left = self.stack.backlog()
            now = time.perf_counter()
            if not any(left.values()):
                return now - began
            if now - began > timeout or (stall and now - last_change > stall):
                return None
            if left != previous:
                previous, last_change = left, now
            await asyncio.sleep(0.25)

    async def with_pg_sampler(self, coroutine: Awaitable[T]) -> tuple[T, int]:
        """Run ``coroutine`` while sampling the bench database's connections; return the peak."""
        peak = 0
        done = asyncio.Event()

        async def sample() -> None:
            nonlocal peak
            while not done.is_set():
                rows = await asyncio.to_thread(
                    self.stack.query,
                    "SELECT numbackends FROM pg_stat_database WHERE datname = %s",
                    (self.stack.name,),
                )
                peak = max(peak, rows[0][0] - 1)  # less the monitor's own connection
                await asyncio.sleep(0.5)

        sampler = asyncio.create_task(sample())
        try:
            return await coroutine, peak
        finally:
            done.set()
            await sampler

    def keep(self, key: str, result: load.Result, samples: bool = False) -> dict:
        summary = result.summary()
        self.results[key] = summary
        if samples:
            self.samples[key] = result.latencies
        return summary

    # --- Phases -----------------------------------------------------------------------------

    async def warm_up(self) -> None:
        for make in (self.limit_request, self.get_request, self.ship_request):
            await load.closed_loop("warm-up", self.port, make, clients=4, seconds=1.5)
        socket_list, _, errors, _ = await sockets.open_sockets(
            self.ws_port, self.token, 4, concurrency=4, deadline=time.perf_counter() + 30
        )
        if errors:
            raise RuntimeError(f"warm-up handshake failed: {errors[0]}")
        await sockets.close_all(socket_list)
        await self.drain(self.sizes.drain_timeout)

    async def warm_web(self) -> None:
        """A fresh server's first requests import and connect lazily: not timed."""
        for make in (self.limit_request, self.get_request):
            await load.closed_loop("warm-up", self.port, make, clients=4, seconds=0.5)
        await load.sequential("warm-up", self.port, self.ship_request, count=4)

    async def one_client(self) -> None:
        n = self.sizes.single
        for key, make in (
            ("one_client_limit", self.limit_request),
            ("one_client_get", self.get_request),
            ("one_client_ship", self.ship_request),
        ):
            result = await load.sequential(key, self.port, make, count=n)
            summary = self.keep(key, result, samples=True)
            say(f"  {key}: p50 {summary['latency_ms'].get('p50')} ms, {result.failed} failed")
        await self.drain(self.sizes.drain_timeout)

    async def closed_loops(self) -> None:
        curves: dict[str, list] = {"limit": [], "get": [], "ship": []}
        for clients in self.sizes.levels:
            for kind, make in (
                ("limit", self.limit_request),
                ("get", self.get_request),
                ("ship", self.ship_request),
            ):
                counted = kind == "ship" and clients == GOAL_CLIENTS
                before = self.stack.pg_stats() if counted else None
                cpu = time.process_time(), self.stack.web_cpu_seconds()
                result = await load.closed_loop(
                    f"{kind}-{clients}",
                    self.port,
                    make,
                    clients=clients,
                    seconds=self.sizes.level_seconds,
                )
                key = f"closed_{kind}_{clients}"
                summary = self.keep(key, result, samples=clients == GOAL_CLIENTS)
                summary["cores_used"] = {
                    "client": round((time.process_time() - cpu[0]) / result.seconds, 2),
                    "web": round((self.stack.web_cpu_seconds() - cpu[1]) / result.seconds, 2),
                }
                curves[kind].append(summary["throughput_per_s"])
                say(
                    f"  {clients:>3} clients {kind:<5}: {summary['throughput_per_s']:>7.1f}/s,"
                    f" p50 {summary['latency_ms'].get('p50')} ms,"
                    f" p99 {summary['latency_ms'].get('p99')} ms, {result.failed} failed;"
                    f" cores: client {summary['cores_used']['client']},"
                    f" web {summary['cores_used']['web']}"
                )
                if kind == "ship":
                    summary["drained_after_s"] = await self.drain(self.sizes.drain_timeout)
                if before is not None:  # counted
                    await asyncio.sleep(1.5)  # idle backends flush their statistics
                    after = self.stack.pg_stats()
                    ships = max(1, result.ok)
                    summary["pg_per_ship"] = {
                        k: round((after[k] - before[k]) / ships, 2) for k in after
                    }
        self.results["closed_curves"] = {"clients": list(self.sizes.levels), **curves}

    async def open_loop(self, rate: int, seconds: float) -> dict:
        key = f"open_{rate}"
        coroutine = load.open_loop(
            key,
            self.port,
            self.ship_request,
            rate=rate,
            seconds=seconds,
            timeout=self.sizes.request_timeout,
        )
        result, peak = await self.with_pg_sampler(coroutine)
        ended = time.perf_counter()
        backlog_at_end = self.stack.backlog()
        drained = await self.drain(self.sizes.drain_timeout, stall=None if rate == 100 else 3)
        summary = self.keep(key, result, samples=True)
        summary["pg_connections_peak"] = peak
        summary["backlog_at_end"] = backlog_at_end
        summary["request_timeout_s"] = self.sizes.request_timeout
        summary["drained_s_after_end"] = (
            None if drained is None else round(time.perf_counter() - ended, 2)
        )
        if drained is None:
            summary["backlog_left"] = self.stack.backlog()
        lat = summary["latency_ms"]
        say(
            f"  {rate}/s for {seconds:.0f} s: {result.ok} ok of {result.sent},"
            f" statuses {summary['statuses']}, errors {summary['errors']},"
            f" p50 {lat.get('p50')} ms, p99 {lat.get('p99')} ms;"
            f" peak {peak} PostgreSQL connections; backlog at end {backlog_at_end},"
            f" drained after {summary['drained_s_after_end']} s"
        )
        return summary

    async def ship_for_push(self, connection: load.Connection):
        order_id = self.orders.take()
        if order_id is None:
            raise RuntimeError("out of placed orders")
        sent = time.perf_counter()
        answer = await connection.request(self.ship_request_for(order_id))
        return order_id, answer.status, sent, answer.done_at

    async def push(self) -> None:
        rows = []
        connection = load.Connection(self.port)
        for count in self.sizes.push_levels:
            subscribers, _, errors, _ = await sockets.open_sockets(
                self.ws_port, self.token, count, concurrency=100, deadline=time.perf_counter() + 120
            )
            answered = await sockets.settle(subscribers)
            result = await sockets.push_latency(
                subscribers,
                lambda: self.ship_for_push(connection),
                events=self.sizes.push_events,
            )
            await sockets.close_all(subscribers)
            latencies = result.pop("_from_response")
            from_request = result.pop("_from_request")
            result |= {
                "handshake_errors": len(errors),
                "settled": answered,
                "ms_from_response": load.latency_summary(latencies),
                "ms_from_request": load.latency_summary(from_request),
            }
            self.samples[f"push_{count}"] = latencies
            lat = result["ms_from_response"]
            say(
                f"  {count} subscribers: p50 {lat.get('p50')} ms, p99 {lat.get('p99')} ms,"
                f" max {lat.get('max')} ms; lost {result['lost']}, duplicated"
                f" {result['duplicated']} (client parse {result['client_parse_us_per_frame']} µs"
                f" per frame)"
            )
            rows.append(result)
            await self.wait_clean(self.sizes.cleanup_timeout)
        connection.close()
        self.results["push"] = rows

    async def wait_clean(self, timeout: float) -> dict:
        began = time.perf_counter()
        while True:
            left = {"watchers": self.stack.watchers(), "group_members": self.stack.group_members()}
            if not any(left.values()) or time.perf_counter() - began > timeout:
                return left | {"seconds": round(time.perf_counter() - began, 2)}
            await asyncio.sleep(0.5)

    async def idle(self) -> None:
        """Fresh server processes, then N idle staff sockets: memory, handshakes, clean close."""
        self.stack.restart_web()
        await self.warm_web()
        warm, _, _, _ = await sockets.open_sockets(
            self.ws_port, self.token, 4, concurrency=4, deadline=time.perf_counter() + 30
        )
        await sockets.settle(warm)
        await sockets.close_all(warm)
        await self.wait_clean(self.sizes.cleanup_timeout)
        await asyncio.sleep(1)
        before = self.stack.web_rss_kib()
        n = self.sizes.idle
        opened, handshakes, errors, elapsed = await sockets.open_sockets(
            self.ws_port,
            self.token,
            n,
            concurrency=200,
            deadline=time.perf_counter() + self.sizes.idle_open_seconds,
        )
        say(f"  opened {len(opened)} of {n} in {elapsed:.1f} s ({len(errors)} errors)")
        began = time.perf_counter()
        while self.stack.watchers() < len(opened) and time.perf_counter() - began < 60:
            await asyncio.sleep(0.5)
        watchers_open = self.stack.watchers()
        members_open = self.stack.group_members()
        await asyncio.sleep(2)
        during = self.stack.web_rss_kib()
        delta = sum(during.values()) - sum(before.get(pid, 0) for pid in during)
        closing = time.perf_counter()
        await sockets.close_all(opened)
        closed_in = time.perf_counter() - closing
        left = await self.wait_clean(self.sizes.cleanup_timeout)
        self.results["idle"] = {
            "asked": n,
            "opened": len(opened),
            "handshake_errors": len(errors),
            "error_samples": errors[:3],
            "open_seconds": round(elapsed, 2),
            "handshakes_per_s": round(len(opened) / elapsed, 1) if elapsed else 0,
            "handshake_ms": load.latency_summary(handshakes),
            "watchers_while_open": watchers_open,
            "group_members_while_open": members_open,
            "rss_kib_before": before,
            "rss_kib_open": during,
            "kib_per_subscriber": round(delta / len(opened), 1) if opened else None,
            "client_close_seconds": round(closed_in, 2),
            "left_after_close": left,
        }
        say(
            f"  {self.results['idle']['handshakes_per_s']} handshakes/s,"
            f" {self.results['idle']['kib_per_subscriber']} KiB per subscriber"
            f" (RSS {before} -> {during}); after closing: {left}"
        )

    async def smtp(self) -> None:
        """One client shipping with the SMTP sink instant, then answering after 2 s, in
        alternating blocks (fast, slow, fast, slow) so that a drift of the machine's load
        does not land on one side."""
        await self.drain(self.sizes.drain_timeout)
        latencies: dict[str, list[float]] = {"fast": [], "slow": []}
        failed = {"fast": 0, "slow": 0}
        for mode in ("fast", "slow", "fast", "slow"):
            self.stack.smtp_slow(mode == "slow")
            await asyncio.sleep(0.5)
            result = await load.sequential(
                f"smtp_{mode}", self.port, self.ship_request, count=self.sizes.smtp_ships // 2
            )
            latencies[mode] += result.latencies
            failed[mode] += result.failed
        self.stack.smtp_slow(False)  # the slow sends still queued now go out at once
        out: dict[str, dict[str, Any]] = {
            mode: {"latency_ms": load.latency_summary(values), "failed": failed[mode]}
            for mode, values in latencies.items()
        }
        for mode in out:
            say(f"  SMTP {mode}: ship p50 {out[mode]['latency_ms'].get('p50')} ms")
        self.results["smtp"] = out

    def statements(self, workdir: Path) -> None:
        out = workdir / "statements.json"
        args = ["bench/statements.py", str(workdir / "seed.json"), str(out)]
        if self.sizes.profile_ships:
            args += ["--profile", str(self.sizes.profile_ships)]
        self.stack.run_python("statements", args)
        self.results["statements"] = json.loads(out.read_text())
        for count, row in self.results["statements"]["by_items"].items():
            say(f"  {count} items: {row}")


# --- Goals ------------------------------------------------------------------------------------


def goals(results: dict, sizes: Sizes) -> list[dict]:
    rows = []
    limit = results.get(f"closed_limit_{GOAL_CLIENTS}", {}).get("throughput_per_s") or math.nan

    def add(goal: str, figure: str, target: str, passed: bool | None) -> None:
        rows.append({"goal": goal, "figure": figure, "target": target, "pass": passed})

    def of_limit(value: float) -> str:
        return f"{value / limit:.3f} of limit" if limit == limit else "limit unknown"

    get1 = results["one_client_get"]["latency_ms"].get("p50", math.nan)
    ship1 = results["one_client_ship"]["latency_ms"].get("p50", math.nan)
    lim1 = results["one_client_limit"]["latency_ms"].get("p50", math.nan)
    add(
        "one client: ship p50 / GET p50",
        f"{ship1:.1f} / {get1:.1f} ms = {ship1 / get1:.2f} (limit view p50 {lim1:.1f} ms)",
        "<= 1.5",
        ship1 / get1 <= 1.5,
    )
    add("one client: GET p50", f"{get1:.1f} ms", "<= 5 ms", get1 <= 5)
    add(f"{GOAL_CLIENTS} clients: the limit (trivial view)", f"{limit:.0f}/s", "(reference)", None)
    for kind, target in (("ship", 300), ("get", 800)):
        row = results[f"closed_{kind}_{GOAL_CLIENTS}"]
        failed = row["answered"] - row["ok"] + sum(row["errors"].values())
        lat = row["latency_ms"]
        add(
            f"{GOAL_CLIENTS} clients closed loop: {kind.upper()}/s, errors",
            f"{row['throughput_per_s']:.0f}/s ({of_limit(row['throughput_per_s'])}),"
            f" {failed} errors, p50 {lat.get('p50')} ms, p99 {lat.get('p99')} ms",
            f">= {target}/s, 0 errors",
            row["throughput_per_s"] >= target and failed == 0,
        )
    o = results["open_100"]
    failed = o["answered"] - o["ok"] + sum(o["errors"].values())
    p99 = o["latency_ms"].get("p99", math.nan)
    add(
        f"open loop 100 ships/s for {sizes.open100_seconds:.0f} s: p99, errors",
        f"p99 {p99} ms, {failed} errors of {o['sent']} ({o['statuses']}, {o['errors']}),"
        f" {o['throughput_per_s']:.0f} ok/s ({of_limit(o['throughput_per_s'])})",
        "p99 <= 50 ms, 0 errors",
        p99 <= 50 and failed == 0,
    )
    drained = o["drained_s_after_end"]
    add(
        "open loop 100 ships/s: email+notice backlog back to 0",
        f"{o['backlog_at_end']} at the end; 0 after {drained} s"
        if drained is not None
        else f"{o['backlog_at_end']} at the end; {o.get('backlog_left')} left after"
        f" {sizes.drain_timeout:.0f} s",
        "<= 10 s after the end",
        drained is not None and drained <= 10,
    )
    t = results["open_200"]
    statuses = {int(k): v for k, v in t["statuses"].items()}
    fivexx = sum(v for k, v in statuses.items() if k >= 500 and k != 503)
    refused = statuses.get(503, 0) + statuses.get(429, 0)
    other = sum(v for k, v in statuses.items() if k >= 300 and k not in (429, 503) and k < 500)
    timeouts = sum(t["errors"].values())
    add(
        f"open loop 200 ships/s for {sizes.open200_seconds:.0f} s: no 5xx, excess 429/503"
        " with Retry-After, no timeouts",
        f"{t['ok']} ok, {fivexx} 5xx (not 503), {refused} 429/503"
        f" ({t['retry_after_missing']} without Retry-After), {other} other 3xx/4xx,"
        f" {timeouts} timeouts/connection errors ({t['errors']}) of {t['sent']};"
        f" p99 {t['latency_ms'].get('p99')} ms",
        "0 5xx, 0 timeouts, every 429/503 with Retry-After",
        fivexx == 0 and timeouts == 0 and t["retry_after_missing"] == 0 and other == 0,
    )
    push = results["push"][-1]
    lat = push["ms_from_response"]
    add(
        f"push, {push['subscribers']} subscribers: p50, p99, max, lost, duplicated",
        f"p50 {lat.get('p50')} ms, p99 {lat.get('p99')} ms, max {lat.get('max')} ms,"
        f" lost {push['lost']}, duplicated {push['duplicated']} ({push['events']} ships)",
        "p50 <= 5, p99 <= 20, max <= 100 ms, 0 lost, 0 duplicated",
        lat.get("p50", math.inf) <= 5
        and lat.get("p99", math.inf) <= 20
        and lat.get("max", math.inf) <= 100
        and push["lost"] == 0
        and push["duplicated"] == 0
        and push["subscribers"] == sizes.push_levels[-1],
    )
    idle = results["idle"]
    per = idle["kib_per_subscriber"]
    add(
        f"{idle['asked']} idle subscribers: KiB each (the uvicorn workers' RSS)",
        f"{per} KiB, {idle['opened']} opened ({idle['handshake_errors']} errors)",
        f"<= 40 KiB, all {idle['asked']} open",
        per is not None and per <= 40 and idle["opened"] == idle["asked"],
    )
    add(
        "idle subscribers: handshakes/s",
        f"{idle['handshakes_per_s']}/s over {idle['open_seconds']} s",
        ">= 500/s",
        idle["handshakes_per_s"] >= 500,
    )
    left = idle["left_after_close"]
    add(
        "idle subscribers closed at once: watcher rows, group members left",
        f"{left['watchers']} rows, {left['group_members']} members after {left['seconds']} s"
        f" (open: {idle['watchers_while_open']} rows, {idle['group_members_while_open']} members)",
        "0 and 0",
        left["watchers"] == 0 and left["group_members"] == 0,
    )
    fast = results["smtp"]["fast"]["latency_ms"].get("p50", math.nan)
    slow = results["smtp"]["slow"]["latency_ms"].get("p50", math.nan)
    add(
        "SMTP answering after 2 s: ship p50 change",
        f"{fast:.1f} -> {slow:.1f} ms ({(slow / fast - 1) * 100:+.1f} %)",
        "< 10 %",
        abs(slow / fast - 1) < 0.10,
    )
    by_items = results["statements"]["by_items"]
    counts = {k: v["statements"] for k, v in by_items.items()}
    row = by_items[min(by_items, key=int)]
    add(
        "statements per ship (web request, by items per order)",
        ", ".join(f"{k} items: {v}" for k, v in counts.items())
        + f" ({row['transaction_control']} BEGIN/COMMIT/SAVEPOINT, {row['order_reads']} SELECTs"
        f" of orders_order, {row['redis_round_trips']} Redis round trips of which"
        f" {row['redis_handshake_round_trips']} set up {row['redis_connections']} new"
        " connections)",
        "<= 10, the same for any number of items",
        max(counts.values()) <= 10 and len(set(counts.values())) == 1,
    )
    return rows


def print_goals(rows: list[dict], quick: bool) -> None:
    say("\n## Goals" + (" — QUICK: scaled down, not the goals' sizes" if quick else ""))
    say("\n| goal | figure | target | result |\n|---|---|---|---|")
    for row in rows:
        verdict = {True: "PASS", False: "FAIL", None: "-"}[row["pass"]]
        say(f"| {row['goal']} | {row['figure']} | {row['target']} | {verdict} |")


def make_plots(bench: Bench, stamp: str, quick: bool) -> list[str]:
    suffix = "-quick" if quick else ""
    names = []
    samples = bench.samples
    title = f"{stamp}{' (quick)' if quick else ''}, gunicorn + uvicorn, 2 shared cores"
    series = {
        "one client GET": samples.get("one_client_get", []),
        "one client ship": samples.get("one_client_ship", []),
        f"{GOAL_CLIENTS} clients GET": samples.get(f"closed_get_{GOAL_CLIENTS}", []),
        f"{GOAL_CLIENTS} clients ship": samples.get(f"closed_ship_{GOAL_CLIENTS}", []),
        f"{GOAL_CLIENTS} clients limit view": samples.get(f"closed_limit_{GOAL_CLIENTS}", []),
        "open loop 100 ships/s": samples.get("open_100", []),
        "open loop 200 ships/s": samples.get("open_200", []),
    }
    path = RESULTS / f"latency{suffix}.png"
    plots.latency_distributions(series, path, f"HTTP latency distributions — {title}")
    names.append(path.name)
    curves = bench.results["closed_curves"]
    path = RESULTS / f"throughput{suffix}.png"
    plots.throughput_versus_clients(
        curves["clients"],
        {
            "limit view (no database)": curves["limit"],
            "GET /api/orders/{id}/": curves["get"],
            "POST /api/orders/{id}/ship/": curves["ship"],
        },
        path,
        f"Throughput versus clients — {title}",
    )
    names.append(path.name)
    push = bench.results["push"]
    path = RESULTS / f"push{suffix}.png"
    plots.push_versus_subscribers(
        [row["subscribers"] for row in push],
        {
            f"{stat} from the ship response": [
                row["ms_from_response"].get(stat, math.nan) for row in push
            ]
            for stat in ("p50", "p99", "max")
        }
        | {
            f"{stat} from the ship request sent": [
                row["ms_from_request"].get(stat, math.nan) for row in push
            ]
            for stat in ("p50", "max")
        },
        path,
        f"Push latency versus subscribers — {title}",
    )
    names.append(path.name)
    return names


def log_errors(workdir: Path) -> dict[str, int]:
    counts = {}
    for name in ("http", "ws", "worker", "beat"):
        text = ""
        for log in sorted(workdir.glob(f"{name}*.log")):
            text += log.read_text(errors="replace")
        counts[name] = text.count("Traceback (most recent call last)")
    return counts


async def measure(bench: Bench, workdir: Path) -> None:
    sizes = bench.sizes
    steps = [
        ("warm-up", bench.warm_up()),
        ("one client", bench.one_client()),
        ("closed loops", bench.closed_loops()),
        ("open loop 100/s", bench.open_loop(100, sizes.open100_seconds)),
        ("open loop 200/s", bench.open_loop(200, sizes.open200_seconds)),
        ("push", bench.push()),
        ("idle subscribers", bench.idle()),
        ("SMTP fast and slow", bench.smtp()),
    ]
    # Fresh web processes before these: an overloaded server keeps working through requests
    # whose clients gave up, and an idle phase leaves disconnect work queued.
    # (Not in --quick, to keep it under 3 minutes: its phases are seconds long.)
    fresh = {"open loop 200/s", "push", "SMTP fast and slow"} if sizes != QUICK else set()
    for name, step in steps:
        began = time.perf_counter()
        say(f"\n# {name}")
        if name in fresh:
            bench.stack.restart_web()
            await bench.warm_web()
        await step
        bench.results.setdefault("phase_seconds", {})[name] = round(time.perf_counter() - began, 1)
    say("\n# statements per ship")
    bench.statements(workdir)


def interrupted(signum, frame) -> None:
    raise KeyboardInterrupt  # SIGTERM cleans up as Ctrl-C does


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="scaled down: under 3 minutes")
    parser.add_argument("--logs", type=Path, help="keep the processes' logs in this directory")
    parser.add_argument(
        "--db-connection-limit",
        type=int,
        default=70,
        help="connections the run's own PostgreSQL role may hold (the server is shared)",
    )
    args = parser.parse_args()
    sizes = QUICK if args.quick else FULL
    lock = LOCK.open("w")
    try:  # Redis DBs 10 and 11 are the run's own: a second run would flush them under it
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        sys.exit(f"another make bench is running (it holds {LOCK})")
    signal.signal(signal.SIGTERM, interrupted)
    began = time.monotonic()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    load_before = os.getloadavg()
    say(
        f"{stamp}: {'quick' if args.quick else 'full'} run, {os.cpu_count()} CPUs,"
        f" load average {load_before[0]:.2f}, Python {platform.python_version()}"
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        workdir = args.logs or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        with Stack(workdir, db_connection_limit=args.db_connection_limit, say=say) as stack:
            data = stack.start(orders=sizes.orders, customers=200)
            bench = Bench(stack, data, sizes)
            asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
            asyncio.run(measure(bench, workdir))
            errors = log_errors(workdir)
        rows = goals(bench.results, sizes)
        print_goals(rows, args.quick)
        elapsed = time.monotonic() - began
        report = {
            "started": stamp,
            "quick": args.quick,
            "seconds": round(elapsed, 1),
            "machine": {
                "cpus": os.cpu_count(),
                "load_average_before": [round(x, 2) for x in load_before],
                "load_average_after": [round(x, 2) for x in os.getloadavg()],
                "python": platform.python_version(),
                "kernel": platform.release(),
            },
            "sizes": asdict(sizes),
            "goals": rows,
            "tracebacks_in_logs": errors,
            "results": bench.results,
        }
        profile = report["results"].get("statements", {}).pop("profile", None)
        plot_names = make_plots(bench, stamp, args.quick)
        report["plots"] = plot_names
        text = json.dumps(report, indent=1, default=str)
        (RESULTS / f"{stamp}{'-quick' if args.quick else ''}.json").write_text(text)
        (RESULTS / ("latest-quick.json" if args.quick else "latest.json")).write_text(text)
        if profile:
            (RESULTS / "profile.txt").write_text(profile["top"])
    say(f"\ntracebacks in the logs: {errors}")
    say(f"results: bench/results/{stamp}{'-quick' if args.quick else ''}.json, plots {plot_names}")
    say(f"total {elapsed:.0f} s")


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        say("\ninterrupted: every process stopped, the database dropped, Redis DBs 10-11 flushed")
        sys.exit(130)
