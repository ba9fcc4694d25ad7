"""What the "Warehouse staff" role can and cannot do, in the admin, the pages and the API."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from orders.models import Order, Product
from tests.factories import OrderFactory, ProductFactory, StaffFactory
from tests.support.clients import client_for, log_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk_browser(client, warehouse_clerk):
    """A browser session of the warehouse clerk's."""
    return log_in(client, warehouse_clerk)


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:orders_order_changelist",
        "admin:orders_product_changelist",
        "admin:warehouse_warehousenotice_changelist",
        "warehouse-board",
    ],
)
def test_warehouse_staff_see_orders_products_and_notices(clerk_browser, warehouse_notice, url_name):
    assert clerk_browser.get(reverse(url_name)).status_code == 200


def test_warehouse_staff_cannot_edit_prices(clerk_browser):
    product = ProductFactory.create(price="10.00")
    url = reverse("admin:orders_product_change", args=[product.pk])

    page = clerk_browser.get(url)
    clerk_browser.post(url, {"sku": product.sku, "name": product.name, "price": "0.01"})

    assert 'name="price"' not in page.text, "the product page is read-only for them"
    assert Product.objects.get(pk=product.pk).price == 10
    assert clerk_browser.get(reverse("admin:orders_product_add")).status_code == 403


def test_warehouse_staff_cannot_read_customer_emails(clerk_browser):
    assert clerk_browser.get(reverse("admin:notifications_emaillog_changelist")).status_code == 403


def test_warehouse_staff_ship_from_the_admin(clerk_browser, order):
    change_page = clerk_browser.get(reverse("admin:orders_order_change", args=[order.pk]))
    assert reverse("admin:orders_order_ship", args=[order.pk]) in change_page.text

    clerk_browser.post(
        reverse("admin:orders_order_ship", args=[order.pk]),
        {"carrier": "ups", "tracking_number": "1Z0000001"},
    )
    order.refresh_from_db()
    assert order.status == "shipped"


def test_warehouse_staff_bulk_ship_from_the_admin(clerk_browser):
    orders = OrderFactory.create_batch(2)
    form = {
        "action": "ship_selected",
        "_selected_action": [order.pk for order in orders],
        "apply": "1",
        "carrier": "ups",
        "notify_customer": "on",
        **{f"tracking_{order.pk}": f"1Z000000{order.pk}" for order in orders},
    }
    clerk_browser.post(reverse("admin:orders_order_changelist"), form)

    assert set(Order.objects.values_list("status", flat=True)) == {"shipped"}


def test_warehouse_staff_cannot_edit_a_placed_order(clerk_browser, order):
    url = reverse("admin:orders_order_change", args=[order.pk])
    address = order.shipping_address

    page = clerk_browser.get(url)
    clerk_browser.post(url, {"shipping_address": "Somewhere else"})

    assert page.status_code == 200
    assert 'name="shipping_address"' not in page.text, "the order page is read-only for them"
    assert Order.objects.get(pk=order.pk).shipping_address == address


def test_editing_orders_is_not_the_right_to_ship_them(client, order):
    """Staff who may edit orders (change_order) but lack orders.ship_order ship nothing."""
    staff = StaffFactory.create(ship_permission=False)
    staff.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="orders", codename__endswith="_order"
        ).exclude(codename="ship_order")
    )
    log_in(client, staff)
    ship_url = reverse("admin:orders_order_ship", args=[order.pk])
    details = {"carrier": "ups", "tracking_number": "1Z0000001"}

    assert client.get(ship_url).status_code == 403
    assert client.post(ship_url, details).status_code == 403
    changelist = client.get(reverse("admin:orders_order_changelist"))
    assert "ship_selected" not in changelist.text
    change_page = client.get(reverse("admin:orders_order_change", args=[order.pk]))
    assert ship_url not in change_page.text
    api = client_for(staff).post(f"/api/orders/{order.pk}/ship/", details, format="json")
    assert api.status_code == 403
    assert Order.objects.get(pk=order.pk).status == "placed"


def test_warehouse_staff_acknowledge_through_the_api(warehouse_clerk_client, warehouse_notice):
    url = f"/api/warehouse/notices/{warehouse_notice.pk}/acknowledge/"
    response = warehouse_clerk_client.post(url)
    assert response.status_code == 200


def test_the_board_is_for_warehouse_staff_only(client, staff, customer):
    for user in (staff, customer):
        log_in(client, user)
        assert client.get(reverse("warehouse-board")).status_code == 403
    client.logout()
    response = client.get(reverse("warehouse-board"))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
