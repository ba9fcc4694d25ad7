"""Fixtures of the webhook tests: a real receiver on a socket, staff who manage webhooks, and
an endpoint registered through the API for that receiver."""

from collections.abc import Callable, Iterator

import pytest
from rest_framework.test import APIClient

from tests.factories import WebhookStaffFactory
from tests.support.clients import client_for
from tests.support.webhook_receiver import ScriptedReceiver, running_receiver
from webhooks.models import Endpoint


@pytest.fixture
def webhook_receiver() -> Iterator[ScriptedReceiver]:
    with running_receiver() as receiver:
        yield receiver


@pytest.fixture
def integrator(db):
    """Staff with the webhooks app's permissions."""
    return WebhookStaffFactory()


@pytest.fixture
def integrator_client(integrator) -> APIClient:
    return client_for(integrator)


@pytest.fixture
def register(integrator_client) -> Callable[..., tuple[Endpoint, str]]:
    """``register(receiver_or_url, events=[...])``: POST the endpoint through the API; return
    it and its secret. A receiver is given the secret, so it verifies what it gets."""

    def register_(target, *, events: list[str] | None = None) -> tuple[Endpoint, str]:
        url = target if isinstance(target, str) else target.url
        response = integrator_client.post(
            "/api/webhooks/endpoints/",
            {"url": url, "events": events or [], "description": "test"},
            format="json",
        )
        assert response.status_code == 201, response.json()
        secret = response.json()["secret"]
        if not isinstance(target, str):
            target.secret = secret
        return Endpoint.objects.get(pk=response.json()["id"]), secret

    return register_


@pytest.fixture
def endpoint(register, webhook_receiver) -> Endpoint:
    """An endpoint for ``webhook_receiver``, subscribed to every event type."""
    return register(webhook_receiver)[0]
