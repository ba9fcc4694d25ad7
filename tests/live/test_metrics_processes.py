"""``/metrics`` under gunicorn with several worker processes: whichever worker answers the
scrape, the request counters are the sum over every worker (prometheus-client's
multiprocess mode, ``PROMETHEUS_MULTIPROC_DIR``), and the database figures are the same."""

import subprocess
import sys
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.support.live_services import (
    BASE_DIR,
    WORKER_START_TIMEOUT,
    _service_env,
    _stop,
    free_port,
    healthy,
    wait_for,
)

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

REQUESTS = 40
HEALTH_200 = (
    "shop_http_requests_total",
    (("method", "GET"), ("status", "200"), ("view", "health")),
)


def samples(url: str) -> dict[tuple[str, tuple], float]:
    with urllib.request.urlopen(url, timeout=10) as response:
        text = response.read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_every_scrape_sums_every_worker(django_db_blocker, tmp_path):
    port = free_port()
    env = _service_env(
        django_db_blocker,
        WEB_BIND=f"127.0.0.1:{port}",
        WEB_WORKERS="3",
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path),
        CELERY_TASK_ALWAYS_EAGER="1",
    )
    command = [sys.executable, "-m", "gunicorn", "-c", "python:shop.gunicorn_conf"]
    process = subprocess.Popen(command, cwd=BASE_DIR, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(
            lambda: process.poll() is not None or healthy(f"{base}/health/"),
            timeout=WORKER_START_TIMEOUT,
            what="gunicorn",
        )
        assert process.poll() is None, "gunicorn exited during start-up"
        # The start-up probes answered too (one may have outlived its client's timeout).
        before = samples(f"{base}/metrics")[HEALTH_200]
        for _ in range(REQUESTS):  # a new connection each: the workers share them out
            urllib.request.urlopen(f"{base}/health/", timeout=10).read()

        scrapes = [samples(f"{base}/metrics") for _ in range(6)]

        assert [scrape[HEALTH_200] - before for scrape in scrapes] == [REQUESTS] * 6
        assert {scrape[("shop_order_events_pending", ())] for scrape in scrapes} == {0}
        assert len(list(tmp_path.glob("counter_*.db"))) >= 2, "more than one worker answered"
    finally:
        _stop(process)
