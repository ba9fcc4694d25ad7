"""A ship's tasks (email, warehouse notice, webhooks) reach the broker in one pipeline, and a
pipeline that fails leaves the event pending for the re-dispatch (real PostgreSQL and Redis)."""

import json
import logging
from collections.abc import Iterator

import pytest
import redis
from redis.client import Pipeline

from orders.dispatch import dispatch_event
from orders.models import OrderEvent
from shop.celery import app as celery_app

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

TASKS = {
    "notifications.tasks.send_shipment_email",
    "warehouse.tasks.send_warehouse_notice",
    "webhooks.tasks.create_deliveries",
}


def task_name(command: tuple) -> str:
    """The task a buffered ``LPUSH queue body`` publishes; another command's name."""
    name = str(command[0]).upper()
    return json.loads(command[2])["headers"]["task"] if name == "LPUSH" else name


@pytest.fixture
def pipelines(monkeypatch) -> Iterator[list[list[str]]]:
    """What every Redis pipeline sent, in order (tasks by name); the pipelines still run."""
    sent: list[list[str]] = []
    execute = Pipeline.execute

    def recorded(self, *args, **kwargs):
        sent.append([task_name(command[0]) for command in self.command_stack])
        return execute(self, *args, **kwargs)

    monkeypatch.setattr(Pipeline, "execute", recorded)
    yield sent
    monkeypatch.undo()
    celery_app.control.purge()


def publishes(pipelines: list[list[str]]) -> list[list[str]]:
    return [sorted(names) for names in pipelines if set(names) & TASKS]


def shipped_event(order) -> OrderEvent:
    return OrderEvent.objects.get(order=order, type=OrderEvent.Type.SHIPPED)


def test_the_three_tasks_of_a_ship_go_in_one_pipeline(order, ship, pipelines):
    ship(order)

    assert publishes(pipelines) == [sorted(TASKS)]
    assert shipped_event(order).dispatched_at is not None


def test_a_pipeline_that_fails_leaves_the_event_pending(order, ship, monkeypatch, caplog):
    execute = Pipeline.execute

    def refused(self, *args, **kwargs):
        if any(str(command[0][0]).upper() == "LPUSH" for command in self.command_stack):
            raise redis.ConnectionError("the broker went away")
        return execute(self, *args, **kwargs)

    with monkeypatch.context() as patched:
        patched.setattr(Pipeline, "execute", refused)
        with caplog.at_level(logging.WARNING, logger="orders.dispatch"):
            ship(order)

    event = shipped_event(order)
    assert event.dispatched_at is None
    assert "stays pending: its tasks were not enqueued" in caplog.text


def test_the_re_dispatch_enqueues_a_pending_event_in_one_pipeline(order, ship, pipelines):
    ship(order)
    event = shipped_event(order)
    OrderEvent.objects.filter(pk=event.pk).update(dispatched_at=None)
    pipelines.clear()

    assert dispatch_event(event_id=event.pk) is True  # what the re-dispatch sweep does
    assert publishes(pipelines) == [sorted(TASKS)]
