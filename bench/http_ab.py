"""Web CPU per request of several trees of the project, measured in turn on one database.

``make bench`` measures everything once, but on this shared machine its latencies and
throughputs move by 2x between identical runs. This script serves the HTTP side (gunicorn with
``shop.gunicorn_conf``, as in production) from each tree given with ``--code``, in turn and
for several rounds, and drives it with ``load.closed_loop``; it prints the CPU the gunicorn
processes used per successful request (utime + stime from ``/proc``), which moves much less
than latency when the neighbours load the machine, and the throughput.

It needs the environment of a migrated database seeded by ``bench/seed.py`` (``DATABASE_URL``,
``REDIS_URL``, ``CELERY_BROKER_URL``, the production settings; ``bench/README.md``, "Third
round"): no Celery worker runs, so the ships' tasks wait in the broker (flush its Redis
database afterwards). Each ship takes a placed order, so a database serves a few thousand.

    .venv/bin/python bench/http_ab.py SEED_JSON --code /tmp/base --code . --kinds get,ship
"""

import argparse
import asyncio
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import load

PORT = 8975
LIMIT_HEADERS = {"X-Bench-Key": "bench-limit-key"}  # bench/urls.py


def gunicorn_cpu_seconds(pid: int) -> float:
    """utime + stime of the gunicorn master and its workers."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    total = 0
    for process in [pid, *map(int, children)]:
        fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def start(code: Path, env: dict[str, str]) -> subprocess.Popen:
    command = [sys.executable, "-m", "gunicorn", "-c", "python:shop.gunicorn_conf"]
    server = subprocess.Popen(
        command,
        cwd=code,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/health/", timeout=1)
            return server
        except OSError:
            time.sleep(0.2)
    os.killpg(server.pid, signal.SIGTERM)
    raise RuntimeError(f"gunicorn from {code} did not answer /health/")


def request_makers(seed: dict, placed: list[int]) -> dict[str, Callable[[], bytes | None]]:
    auth = {"Authorization": f"Token {seed['staff_token']}"}

    def get() -> bytes:
        order_id = random.choice(seed["orders"])
        return load.build_request("GET", f"/api/orders/{order_id}/", PORT, auth)

    def ship() -> bytes | None:
        if not placed:
            return None
        order_id = placed.pop()
        body = {"carrier": "dhl", "tracking_number": f"AB{order_id:010d}"}
        return load.build_request("POST", f"/api/orders/{order_id}/ship/", PORT, auth, body)

    def limit() -> bytes:
        return load.build_request("GET", "/bench/limit/", PORT, LIMIT_HEADERS)

    return {"get": get, "ship": ship, "limit": limit}


def placed_orders() -> list[int]:
    """The placed orders, read through Django so that any DATABASE_URL works."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    from orders.models import Order

    return list(Order.objects.filter(status="placed").values_list("pk", flat=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seed", type=Path, help="the JSON bench/seed.py wrote")
    parser.add_argument("--code", type=Path, action="append", required=True)
    parser.add_argument("--kinds", default="get,ship", help="of get, ship, limit")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=6)
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()
    makers = request_makers(json.loads(args.seed.read_text()), placed_orders())
    env = os.environ | {"WEB_BIND": f"127.0.0.1:{PORT}", "DJANGO_SETTINGS_MODULE": "bench.settings"}
    figures: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for _ in range(args.rounds):
        for code in args.code:
            server = start(code.resolve(), env)
            try:
                for kind in args.kinds.split(","):
                    make = makers[kind]
                    asyncio.run(load.closed_loop("warm-up", PORT, make, clients=4, seconds=1))
                    before = gunicorn_cpu_seconds(server.pid)
                    result = asyncio.run(
                        load.closed_loop(
                            kind, PORT, make, clients=args.clients, seconds=args.seconds
                        )
                    )
                    used = gunicorn_cpu_seconds(server.pid) - before
                    ok = result.statuses.get(200, 0)
                    row = (1000 * used / max(ok, 1), ok / result.seconds)
                    figures.setdefault((str(code), kind), []).append(row)
                    print(
                        f"{code} {kind}: {row[0]:.2f} ms CPU per request, {row[1]:.1f}/s,"
                        f" statuses {dict(result.statuses)}, load {os.getloadavg()[0]:.1f}",
                        flush=True,
                    )
            finally:
                os.killpg(server.pid, signal.SIGTERM)
                server.wait()
    for (code, kind), rows in figures.items():
        cpu = statistics.median(row[0] for row in rows)
        rate = statistics.median(row[1] for row in rows)
        print(f"{code} {kind}: median {cpu:.2f} ms CPU per request, {rate:.1f}/s")


if __name__ == "__main__":
    main()
