"""GET /api/warehouse/notices/ and POST .../acknowledge/ (warehouse staff only)."""

import pytest

pytestmark = pytest.mark.django_db


def test_warehouse_staff_list_notices(warehouse_notice, warehouse_clerk_client):
    response = warehouse_clerk_client.get("/api/warehouse/notices/")
    assert response.status_code == 200
    [data] = response.json()["results"]
    assert data["id"] == warehouse_notice.pk
    assert data["order_number"] == warehouse_notice.order.number
    assert data["status"] == "sent"
    assert len(data["items"]) == 2


def test_warehouse_staff_acknowledge_a_notice_once(
    warehouse_notice, warehouse_clerk_client, warehouse_clerk
):
    url = f"/api/warehouse/notices/{warehouse_notice.pk}/acknowledge/"

    response = warehouse_clerk_client.post(url)

    assert response.status_code == 200
    assert response.json()["status"] == "acknowledged"
    assert response.json()["acknowledged_by"] == warehouse_clerk.username
    warehouse_notice.refresh_from_db()
    assert warehouse_notice.acknowledged_by == warehouse_clerk

    again = warehouse_clerk_client.post(url)
    assert again.status_code == 409
    assert again.json()["code"] == "already_acknowledged"


def test_customers_anonymous_and_staff_without_the_role_are_refused(
    warehouse_notice, customer_client, anon_client, staff_client
):
    url = f"/api/warehouse/notices/{warehouse_notice.pk}/acknowledge/"
    assert staff_client.get("/api/warehouse/notices/").status_code == 403
    assert staff_client.post(url).status_code == 403
    assert customer_client.get("/api/warehouse/notices/").status_code == 403
    assert customer_client.post(url).status_code == 403
    assert anon_client.get("/api/warehouse/notices/").status_code == 401
    assert anon_client.post(url).status_code == 401
    warehouse_notice.refresh_from_db()
    assert warehouse_notice.status == "sent"


def test_unknown_notice_is_404(db, warehouse_clerk_client):
    assert warehouse_clerk_client.post("/api/warehouse/notices/999/acknowledge/").status_code == 404


def test_api_root_lists_every_app_endpoint(staff_client):
    assert set(staff_client.get("/api/").json()) == {
        "products",
        "orders",
        "warehouse/notices",
        "webhooks/endpoints",
    }
