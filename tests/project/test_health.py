"""GET /health/ reports each service and answers 503 when one is down, within a second."""

import socket
import time
from collections.abc import Iterator

import pytest
import redis
from asgiref.sync import async_to_sync, sync_to_async
from django.conf import settings

from shop import health
from shop.celery import app as celery_app
from tests.support.live_services import free_port

pytestmark = pytest.mark.django_db

# The checks run together, each cut at CHECK_TIMEOUT_SECONDS (0.5 s), so the answer comes in
# about that; the rest is slack for a loaded CI machine (a run with four other test suites on
# two cores took 1.5 s). Without the deadlines a hung Redis holds the answer indefinitely.
ANSWER_WITHIN_SECONDS = 6 * health.CHECK_TIMEOUT_SECONDS


@pytest.fixture
def redis_at(settings) -> Iterator:
    """Point the channel layer and the broker at a local port, and turn eager Celery off."""
    conf = celery_app.conf
    saved = conf.broker_url, conf.task_always_eager

    def point(port: int) -> None:
        url = f"redis://127.0.0.1:{port}/0"
        settings.CHANNEL_LAYERS = {
            "default": {
                "BACKEND": "channels_redis.core.RedisChannelLayer",
                "CONFIG": {"hosts": [{**settings.REDIS_HOST, "address": url}]},
            }
        }
        conf.broker_url, conf.task_always_eager = url, False

    yield point
    conf.broker_url, conf.task_always_eager = saved


def timed_get(client):
    started = time.monotonic()
    response = client.get("/health/")
    return response, time.monotonic() - started


def test_healthy(client):
    response = client.get("/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "channel_layer", "broker"}


def test_redis_refused_is_503_within_the_deadlines(client, redis_at):
    redis_at(free_port())

    response, elapsed = timed_get(client)

    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "channel_layer": "unavailable", "broker": "unavailable"},
    }
    assert elapsed < ANSWER_WITHIN_SECONDS, f"took {elapsed:.2f}s"


def test_redis_hung_is_503_within_the_deadlines(client, redis_at):
    """A Redis that accepts connections and never answers: only the timeouts end the checks."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        redis_at(listener.getsockname()[1])

        response, elapsed = timed_get(client)

    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == "ok"
    assert checks["channel_layer"] in {"unavailable", "timeout"}
    assert checks["broker"] in {"unavailable", "timeout"}
    assert elapsed < ANSWER_WITHIN_SECONDS, f"took {elapsed:.2f}s"


def test_channel_layer_down_alone_is_503(client, settings):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [f"redis://127.0.0.1:{free_port()}/0"]},
        }
    }
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["checks"] == {
        "database": "ok",
        "channel_layer": "unavailable",
        "broker": "ok (eager: tasks run in-process)",
    }


def test_a_check_past_the_deadline_reports_timeout(client, monkeypatch):
    """Whatever a check waits on, the response does not wait for it."""

    def slow_broker() -> str:
        time.sleep(3)
        return "ok"

    monkeypatch.setattr(health, "check_broker", slow_broker)

    response, elapsed = timed_get(client)

    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "timeout"
    assert elapsed < ANSWER_WITHIN_SECONDS, f"took {elapsed:.2f}s"


def test_health_is_get_only(client):
    assert client.post("/health/").status_code == 405


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis: REDIS_URL")
def test_the_channel_layer_check_leaves_no_channel_subscribed():
    """The pub/sub layer keeps a channel subscribed until a receive on it is cancelled."""
    client = redis.Redis.from_url(settings.REDIS_URL)

    def subscribed() -> int:
        return len(client.pubsub_channels("*specific.*"))

    async def three_checks() -> tuple[int, int]:
        before = await sync_to_async(subscribed)()
        for _ in range(3):
            assert await health.check_channel_layer() == "ok"
        return before, await sync_to_async(subscribed)()

    try:
        before, after = async_to_sync(three_checks)()
    finally:
        client.close()
    assert after == before
