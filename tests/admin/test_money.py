"""Money in the admin has two decimals on every backend: SQLite computes sums and products of
decimals as floats, which would show 3185.50 as 3185.5 (or 116.900000000000)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from orders.models import OrderItem, Product

pytestmark = pytest.mark.django_db


@pytest.fixture
def priced(order):
    """``order`` with one item: five at 637.10, 3185.50 in all (a zero in the cents)."""
    item = order.items.first()
    order.items.exclude(pk=item.pk).delete()
    OrderItem.objects.filter(pk=item.pk).update(unit_price=Decimal("637.10"), quantity=5)
    Product.objects.filter(pk=item.product_id).update(price=Decimal("637.10"))
    return order


def cell(page: str, field: str) -> str:
    """The text of the first cell of a column (``field-<name>``) on an admin page."""
    start = page.index(f'class="field-{field}')
    text = page[page.index(">", start) + 1 : page.index("</td>", start)]
    return text.replace("<p>", "").replace("</p>", "").strip()


def test_the_order_list_total(admin_client, priced):
    page = admin_client.get(reverse("admin:orders_order_changelist")).text
    assert cell(page, "total") == "3185.50"


def test_the_order_pages_total_unit_price_and_line_total(admin_client, priced):
    page = admin_client.get(reverse("admin:orders_order_change", args=[priced.pk])).text

    assert '<div class="readonly">3185.50</div>' in page  # the order's total
    assert cell(page, "unit_price") == "637.10"
    assert cell(page, "line_total") == "3185.50"


def test_the_product_list_price(admin_client, priced):
    sku = priced.items.get().product.sku
    page = admin_client.get(reverse("admin:orders_product_changelist"), {"q": sku}).text
    assert cell(page, "price") == "637.10"
