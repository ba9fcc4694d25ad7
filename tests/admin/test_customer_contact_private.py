"""Customers' email addresses in the admin: hidden from warehouse staff, shown to those with
``orders.view_customer_contact`` (and superusers).

Checked where the order admin could show or leak one: the order page's panels, the order list,
and search by email.
"""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from tests.factories import StaffFactory
from tests.support.clients import log_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def contact_staff():
    """Staff who see orders and customers' contact details, with no other rights."""
    user = StaffFactory.create(ship_permission=False)
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="orders", codename__in=["view_order", "view_customer_contact"]
        )
    )
    return user


def order_page(client, order) -> str:
    response = client.get(reverse("admin:orders_order_change", args=[order.pk]))
    assert response.status_code == 200
    return response.text


def search(client, term: str) -> str:
    response = client.get(reverse("admin:orders_order_changelist"), {"q": term})
    assert response.status_code == 200
    return response.text


def test_warehouse_staff_see_no_customer_email(client, warehouse_clerk, shipped_order):
    email = shipped_order.customer.email
    clerk_browser = log_in(client, warehouse_clerk)

    assert email not in order_page(clerk_browser, shipped_order)
    assert email not in search(clerk_browser, shipped_order.number)


def test_warehouse_staff_cannot_find_an_order_by_email(client, warehouse_clerk, shipped_order):
    clerk_browser = log_in(client, warehouse_clerk)
    assert shipped_order.number not in search(clerk_browser, shipped_order.customer.email)
    assert shipped_order.number in search(clerk_browser, shipped_order.customer.username)


@pytest.mark.parametrize("viewer", ["superuser", "contact_staff"])
def test_the_permission_shows_emails_and_finds_by_them(request, client, shipped_order, viewer):
    admin_browser = log_in(client, request.getfixturevalue(viewer))

    assert f"Sent to {shipped_order.customer.email}" in order_page(admin_browser, shipped_order)
    assert shipped_order.number in search(admin_browser, shipped_order.customer.email)
