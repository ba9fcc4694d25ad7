"""GET /health/ reports each service and answers 503 when one is down."""

import socket

import pytest

from shop.celery import app as celery_app

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_healthy(client):
    response = client.get("/health/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "channel_layer", "broker"}


def test_channel_layer_down_is_503(client, settings):
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [f"redis://127.0.0.1:{closed_port()}/0"]},
        }
    }
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json()["checks"]["channel_layer"] == "unavailable"
    assert response.json()["checks"]["database"] == "ok"


def test_broker_down_is_503(client):
    conf = celery_app.conf
    saved = conf.broker_url, conf.task_always_eager
    conf.broker_url, conf.task_always_eager = f"redis://127.0.0.1:{closed_port()}/0", False
    try:
        response = client.get("/health/")
    finally:
        conf.broker_url, conf.task_always_eager = saved
    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "unavailable"


def test_health_is_get_only(client):
    assert client.post("/health/").status_code == 405
