"""API clients that only the API tests use; the other roles' are in tests/conftest.py."""

import pytest
from rest_framework.test import APIClient

from tests.support.clients import client_for


@pytest.fixture
def other_customer_client(other_customer) -> APIClient:
    return client_for(other_customer)


@pytest.fixture
def superuser_client(superuser) -> APIClient:
    return client_for(superuser)
