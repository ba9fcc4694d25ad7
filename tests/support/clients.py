"""Clients for tests: API clients authenticated as a user, and browser sessions signed in."""

from django.test import Client
from rest_framework.test import APIClient

from tests.factories import DEFAULT_PASSWORD


def client_for(user) -> APIClient:
    """An API client authenticated as ``user`` (``None``: anonymous)."""
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def log_in(client: Client, user) -> Client:
    """``client`` signed in as ``user`` with the factories' password, as through a login form."""
    assert client.login(username=user.username, password=DEFAULT_PASSWORD), user.username
    return client
