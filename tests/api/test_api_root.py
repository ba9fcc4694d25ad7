"""The browsable API root describes the shop's API instead of DRF's placeholder."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_browsable_root_describes_the_api(staff_client):
    page = staff_client.get("/api/", headers={"Accept": "text/html"}).content.decode()

    assert "<h1>Shop API</h1>" in page
    assert "The shop&#x27;s order workflow API." in page
    assert "POST /api/auth/token/" in page
    assert "The default basic root view for DefaultRouter" not in page


def test_the_json_root_still_lists_the_endpoints(staff_client):
    assert set(staff_client.get("/api/").json()) >= {"products", "orders", "warehouse/notices"}
