"""The admin says whose it is: the shop's header and titles, not Django's defaults."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_admin_pages_carry_the_shop_header_and_title(admin_client):
    page = admin_client.get(reverse("admin:index")).content.decode()

    assert '<a href="/admin/">Shop order workflow</a>' in page
    assert "<title>Orders, shipments and their notifications | Shop admin</title>" in page
    assert "Django administration" not in page


def test_the_login_page_carries_them_too(client):
    page = client.get(reverse("admin:login")).content.decode()

    assert "Shop order workflow" in page
    assert "Django administration" not in page
