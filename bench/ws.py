"""The websocket goals alone, for before/after comparisons: push to N subscribers, idle sockets.

Run from the project root::

    .venv/bin/python bench/ws.py [--subscribers 1000] [--events 20] [--idle 10000]
        [--code DIR ...] [--rounds 2] [--profile DIR]

It starts what ``make bench`` starts for these phases (bench/stack.py: its own database,
seeded; Redis DBs 10 and 11; gunicorn for the ships, uvicorn ``--workers 2`` for the
websockets; no Celery worker, SMTP sink or beat: the push is sent inside the ship request) and
measures, as bench/run.py does (bench/sockets.py), the push latency at ``--subscribers`` and
the handshakes per second, memory per idle socket and clean close at ``--idle``.

Each ``--code DIR`` is a tree of the project (``git archive <commit> | tar -x -C DIR``) whose
web servers are measured in turn, on fresh processes, ``--rounds`` times, alternating, so a
change and its base run back to back on the same noisy machine. Without it, the working tree.
``--profile DIR`` records each websocket worker with py-spy (``PY_SPY``, default ``py-spy``)
during each phase and writes the hottest functions there.
"""

import argparse
import asyncio
import collections
import fcntl
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import uvloop

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load
import sockets
import stack
from run import LOCK, Bench, Sizes, say
from stack import ROOT, Stack


class VariantStack(Stack):
    """A Stack whose web servers run from another tree of the project."""

    code: Path = ROOT

    def spawn(self, name, args, env=None, *, nice=0):
        if name not in ("http", "ws"):
            return super().spawn(name, args, env, nice=nice)
        env = (env or self.env) | {"PYTHONPATH": str(self.code)}
        previous, stack.ROOT = stack.ROOT, self.code  # Stack.spawn runs children in ROOT
        try:
            return super().spawn(name, args, env, nice=nice)
        finally:
            stack.ROOT = previous

    def start_smtp(self) -> None:
        """No SMTP sink and no worker: the push goes out inside the ship request."""

    def start_worker(self) -> None:
        pass


def ws_cpu_seconds(stack: Stack) -> float:
    """User plus system CPU seconds of the websocket worker processes so far."""
    total = 0
    for pid in stack.ws_workers():
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


class Profiler:
    """py-spy on each websocket worker for the length of a phase."""

    def __init__(self, out: Path | None, stack: Stack) -> None:
        self.out = out
        self.stack = stack
        self.running: list[tuple[subprocess.Popen, Path]] = []

    def start(self, label: str) -> None:
        if self.out is None:
            return
        self.out.mkdir(parents=True, exist_ok=True)
        for pid in self.stack.ws_workers():
            raw = self.out / f"{label}-{pid}.raw"
            command = [os.environ.get("PY_SPY", "py-spy"), "record", "-p", str(pid), "-r", "250"]
            command += ["-f", "raw", "-o", str(raw), "--nonblocking"]
            popen = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.running.append((popen, raw))
        time.sleep(1)

    def stop(self, label: str) -> None:
        if self.out is None or not self.running:
            return
        for popen, _ in self.running:
            popen.send_signal(2)
        inclusive: collections.Counter[str] = collections.Counter()
        own: collections.Counter[str] = collections.Counter()
        total = 0
        for popen, raw in self.running:
            popen.wait(timeout=30)
            for line in raw.read_text().splitlines() if raw.exists() else []:
                stack_text, _, count = line.rpartition(" ")
                frames = stack_text.split(";")
                total += int(count)
                own[frames[-1]] += int(count)
                for frame in set(frames):
                    inclusive[frame] += int(count)
        self.running = []
        lines = [f"{label}: {total} samples (both workers)", "", "own time:"]
        lines += [f"{n / total:6.1%}  {f}" for f, n in own.most_common(40)] if total else []
        lines += ["", "inclusive:"]
        lines += [f"{n / total:6.1%}  {f}" for f, n in inclusive.most_common(60)] if total else []
        (self.out / f"{label}.txt").write_text("\n".join(lines) + "\n")


async def variant(bench: Bench, stack: VariantStack, label: str, args, profiler: Profiler) -> dict:
    stack.restart_web()
    await bench.warm_web()
    out: dict = {}
    if args.subscribers:
        subscribers, _, errors, _ = await sockets.open_sockets(
            stack.ws_port,
            bench.token,
            args.subscribers,
            concurrency=100,
            deadline=time.perf_counter() + 120,
        )
        await sockets.settle(subscribers)
        connection = load.Connection(stack.web_port)
        profiler.start(f"{label}-push")
        cpu = ws_cpu_seconds(stack)
        result = await sockets.push_latency(
            subscribers, lambda: bench.ship_for_push(connection), events=args.events
        )
        cpu = ws_cpu_seconds(stack) - cpu
        profiler.stop(f"{label}-push")
        connection.close()
        await sockets.close_all(subscribers)
        lat = load.latency_summary(result.pop("_from_response"))
        result.pop("_from_request")
        # The server's CPU per frame: less at the mercy of the neighbours than the latency (the
        # settle pings and the 50 ms pauses between ships add a little idle work to it).
        cpu_us = round(cpu / max(1, result["received"]) * 1e6, 1)
        out["push"] = result | {
            "ms_from_response": lat,
            "handshake_errors": len(errors),
            "server_cpu_us_per_frame": cpu_us,
        }
        say(
            f"  [{label}] push to {len(subscribers)}: p50 {lat.get('p50')} ms, p99"
            f" {lat.get('p99')} ms, max {lat.get('max')} ms; lost {result['lost']}, duplicated"
            f" {result['duplicated']}; server CPU {cpu_us} µs/frame, client parse"
            f" {result['client_parse_us_per_frame']} µs/frame"
        )
        await bench.wait_clean(30)
    if args.idle:
        stack.restart_web()
        await bench.warm_web()
        warm, _, _, _ = await sockets.open_sockets(
            stack.ws_port, bench.token, 4, concurrency=4, deadline=time.perf_counter() + 30
        )
        await sockets.settle(warm)
        await sockets.close_all(warm)
        await bench.wait_clean(30)
        await asyncio.sleep(1)
        before = stack.web_rss_kib()
        profiler.start(f"{label}-open")
        cpu, client_cpu = ws_cpu_seconds(stack), time.process_time()
        opened, handshakes, errors, elapsed = await sockets.open_sockets(
            stack.ws_port,
            bench.token,
            args.idle,
            concurrency=200,
            deadline=time.perf_counter() + 180,
        )
        cpu, client_cpu = ws_cpu_seconds(stack) - cpu, time.process_time() - client_cpu
        profiler.stop(f"{label}-open")
        began = time.perf_counter()
        while stack.watchers() < len(opened) and time.perf_counter() - began < 60:
            await asyncio.sleep(0.5)
        watchers_open = stack.watchers()
        await asyncio.sleep(2)
        during = stack.web_rss_kib()
        delta = sum(during.values()) - sum(before.get(pid, 0) for pid in during)
        closing = time.perf_counter()
        await sockets.close_all(opened)
        left = await bench.wait_clean(60)
        out["idle"] = {
            "opened": len(opened),
            "errors": len(errors),
            "error_samples": errors[:3],
            "handshakes_per_s": round(len(opened) / elapsed, 1) if elapsed else 0,
            "handshake_ms": load.latency_summary(handshakes),
            "server_cpu_ms_per_handshake": round(cpu / max(1, len(opened)) * 1e3, 2),
            "client_cpu_ms_per_handshake": round(client_cpu / max(1, len(opened)) * 1e3, 2),
            "watchers_while_open": watchers_open,
            "kib_per_subscriber": round(delta / len(opened), 1) if opened else None,
            "close_seconds": round(time.perf_counter() - closing, 2),
            "left_after_close": left,
        }
        say(
            f"  [{label}] idle {len(opened)} of {args.idle} ({len(errors)} errors):"
            f" {out['idle']['handshakes_per_s']} handshakes/s, p50"
            f" {out['idle']['handshake_ms'].get('p50')} ms, server CPU"
            f" {out['idle']['server_cpu_ms_per_handshake']} ms each (client"
            f" {out['idle']['client_cpu_ms_per_handshake']} ms);"
            f" {out['idle']['kib_per_subscriber']} KiB each; watchers while open"
            f" {watchers_open}; after closing {left}"
        )
    return out


async def measure(bench: Bench, stack: VariantStack, args) -> dict:
    profiler = Profiler(args.profile, stack)
    results: dict[str, list] = {}
    codes = args.code or [ROOT]
    for round_number in range(args.rounds):
        for code in codes:
            stack.code = code.resolve()
            label = f"{code.name}-{round_number + 1}"
            say(f"\n# {label} ({stack.code})")
            measured = await variant(bench, stack, label, args, profiler)
            results.setdefault(str(code), []).append(measured)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--idle", type=int, default=10_000)
    parser.add_argument("--code", type=Path, action="append")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--profile", type=Path)
    parser.add_argument("--out", type=Path, help="write the results here as JSON")
    parser.add_argument("--logs", type=Path)
    args = parser.parse_args()
    lock = LOCK.open("w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        sys.exit(f"another make bench is running (it holds {LOCK})")
    say(f"load average {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="bench-ws-") as tmp:
        workdir = args.logs or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        with VariantStack(workdir, db_connection_limit=40, say=say) as stack:
            stack.code = (args.code or [ROOT])[0].resolve()
            data = stack.start(orders=500, customers=10)
            sizes = Sizes(0, (), 0, 0, 0, 0, 5, (), args.events, args.idle, 180, 60, 0, 0)
            bench = Bench(stack, data, sizes)
            asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
            results = asyncio.run(measure(bench, stack, args))
    if args.out:
        args.out.write_text(json.dumps(results, indent=1))
    say(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
