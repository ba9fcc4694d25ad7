"""API clients for tests: ``client_for(user)`` authenticates as ``user`` (``None``: anonymous)."""

from rest_framework.test import APIClient


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client
