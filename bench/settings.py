"""Settings for ``make bench``: production's ``shop.settings`` plus one bench-only URL.

Everything the stack reads from the environment (DATABASE_URL, REDIS_URL, DJANGO_PRODUCTION,
the email settings) is read by ``shop.settings`` as in production. The only difference is the
URL configuration, which adds ``/bench/limit/``: the machine's limit for this server (a trivial
authenticated DRF view that touches no database, no cache and no channel layer), and the
channel layer's prefix, the run's own.
"""

import os

from shop.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

if os.environ.get("BENCH_CHANNEL_PREFIX") and REDIS_URL:  # noqa: F405
    # The run's own pub/sub channels (bench/stack.py): Redis shares them across databases.
    CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = os.environ["BENCH_CHANNEL_PREFIX"]  # noqa: F405

if os.environ.get("BENCH_GC_SECONDS"):  # bench/ws.py: report long garbage collections
    import gc
    import sys
    import time

    _GC_THRESHOLD = float(os.environ["BENCH_GC_SECONDS"])
    _gc_started: list[float] = [0.0]

    def _time_gc(phase: str, info: dict) -> None:
        if phase == "start":
            _gc_started[0] = time.perf_counter()
        elif (took := time.perf_counter() - _gc_started[0]) > _GC_THRESHOLD:
            print(
                f"pid {os.getpid()}: gc of generation {info['generation']} took"
                f" {took * 1000:.0f} ms, {info['collected']} collected",
                file=sys.stderr,
                flush=True,
            )

    gc.callbacks.append(_time_gc)
