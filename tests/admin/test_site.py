"""The admin site: every model registered, and shipping an order through ship_order."""

from decimal import Decimal

import pytest
from django.contrib import admin
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications.models import EmailLog
from orders.models import Order, OrderEvent, OrderItem, Product, Shipment
from orders.services import cancel_order, ship_order
from tests.factories import DEFAULT_PASSWORD, OrderFactory
from warehouse.models import WarehouseNotice

pytestmark = pytest.mark.django_db


def test_every_top_level_model_is_registered():
    for model in (Product, Order, EmailLog, WarehouseNotice):
        assert admin.site.is_registered(model), model
    # Items, shipments and events are shown inline on the order page.
    inline_models = {inline.model for inline in admin.site._registry[Order].inlines}
    assert inline_models == {OrderItem, Shipment, OrderEvent}


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:orders_order_changelist",
        "admin:orders_product_changelist",
        "admin:notifications_emaillog_changelist",
        "admin:warehouse_warehousenotice_changelist",
    ],
)
def test_changelists_render_with_search_and_filters(admin_client, order, url_name):
    assert admin_client.get(reverse(url_name), {"q": order.number}).status_code == 200


def test_order_changelist_shows_items_and_total(admin_client, order):
    # A total with a zero in the cents, which SQLite's float sum would print as 3185.5.
    OrderItem.objects.filter(order=order).update(unit_price=Decimal("637.10"), quantity=5)
    OrderItem.objects.filter(order=order).exclude(pk=order.items.first().pk).delete()
    response = admin_client.get(
        reverse("admin:orders_order_changelist"), {"status__exact": "placed"}
    )
    assert order.number in response.text
    assert order.total == Decimal("3185.50")
    assert "3185.50" in response.text


def test_ship_order_from_the_admin(admin_client, order, django_capture_on_commit_callbacks):
    change_url = reverse("admin:orders_order_change", args=[order.pk])
    ship_url = reverse("admin:orders_order_ship", args=[order.pk])
    assert ship_url in admin_client.get(change_url).text

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            ship_url,
            {"carrier": "dhl", "tracking_number": "JD0001", "notify_customer": "on"},
            follow=True,
        )

    assert response.redirect_chain[-1][0] == change_url
    assert f"Order {order.number} was shipped." in response.text
    order.refresh_from_db()
    assert order.status == "shipped"
    assert order.shipments.get().tracking_number == "JD0001"
    assert EmailLog.objects.filter(event__order=order).exists()
    assert WarehouseNotice.objects.filter(order=order).exists()
    assert ship_url not in admin_client.get(change_url).text, "no ship link once shipped"


def test_a_refused_ship_is_an_admin_error_message(admin_client, order):
    ship_url = reverse("admin:orders_order_ship", args=[order.pk])
    data = {"carrier": "dhl", "tracking_number": "JD0001"}
    admin_client.post(ship_url, data)

    response = admin_client.post(ship_url, {**data, "tracking_number": "JD0002"}, follow=True)

    assert response.status_code == 200
    assert "is shipped and cannot be shipped" in response.text
    assert Shipment.objects.get(order=order).tracking_number == "JD0001"


def test_ship_form_errors_are_shown_on_the_page(admin_client, order):
    response = admin_client.post(
        reverse("admin:orders_order_ship", args=[order.pk]),
        {"carrier": "pigeon", "tracking_number": "has space"},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.text
    assert Order.objects.get(pk=order.pk).status == "placed"


def test_ship_page_needs_staff(client, customer, order):
    client.login(username=customer.username, password=DEFAULT_PASSWORD)
    response = client.get(reverse("admin:orders_order_ship", args=[order.pk]))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_ship_page_for_an_order_that_is_not_placed_redirects_with_an_error(
    admin_client, order, customer
):
    cancel_order(order=order, cancelled_by=customer)
    response = admin_client.get(reverse("admin:orders_order_ship", args=[order.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:orders_order_change", args=[order.pk])
    assert f"Order {order.number} is cancelled: nothing left to ship." in response.text


def test_order_changelist_queries_do_not_grow_with_orders(admin_client, staff):
    def changelist_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(reverse("admin:orders_order_changelist")).status_code == 200
        return len(captured)

    OrderFactory.create(items=2)
    few = changelist_queries()
    for order in OrderFactory.create_batch(8, items=3)[::2]:
        ship_order(order_id=order.pk, shipped_by=staff, carrier="ups", tracking_number="1Z0000001")
    assert changelist_queries() == few


def test_order_page_shows_email_and_warehouse_state(admin_client, order, ship):
    change_url = reverse("admin:orders_order_change", args=[order.pk])
    before = admin_client.get(change_url).text
    assert "None sent" in before
    assert "None (not shipped)." in before

    ship(order)
    after = admin_client.get(change_url).text

    assert f"Sent to {order.customer.email}" in after
    assert "Sent (1 attempt(s))." in after  # the warehouse notice
    assert 'name="shipping_address"' not in after, "a shipped order's address is history"


def test_bulk_ship_asks_for_tracking_numbers_then_ships_through_the_service(
    admin_client, customer, django_capture_on_commit_callbacks
):
    placed, cancelled = OrderFactory.create(), OrderFactory.create()
    cancel_order(order=cancelled, cancelled_by=customer)
    changelist = reverse("admin:orders_order_changelist")
    selection = {"action": "ship_selected", "_selected_action": [placed.pk, cancelled.pk]}

    page = admin_client.post(changelist, selection)
    assert f"Order {placed.number}</h2>" in page.text
    assert f'name="tracking_{placed.pk}"' in page.text
    # Left off the page, rather than asked for a tracking number to be refused.
    assert f"Order {cancelled.number} is cancelled: nothing left to ship." in page.text
    assert f'name="tracking_{cancelled.pk}"' not in page.text

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            changelist,
            {
                **selection,
                "apply": "1",
                "carrier": "dhl",
                "notify_customer": "on",
                f"tracking_{placed.pk}": "JD0000000001",
                f"tracking_{cancelled.pk}": "JD0000000002",
            },
            follow=True,
        )

    assert f"Order {placed.number} was shipped." in response.text
    assert f"Order {cancelled.number} is cancelled: nothing left to ship." in response.text
    assert Order.objects.get(pk=placed.pk).shipments.get().tracking_number == "JD0000000001"
    assert not Shipment.objects.filter(order=cancelled).exists()


def test_bulk_ship_with_a_bad_tracking_number_ships_nothing(admin_client):
    order = OrderFactory.create()
    response = admin_client.post(
        reverse("admin:orders_order_changelist"),
        {
            "action": "ship_selected",
            "_selected_action": [order.pk],
            "apply": "1",
            "carrier": "dhl",
            f"tracking_{order.pk}": "no spaces allowed",
        },
    )
    assert response.status_code == 200
    assert "Use 4-40 letters" in response.text
    assert Order.objects.get(pk=order.pk).status == "placed"


def test_retry_action_sends_failed_emails_again_through_the_task(
    admin_client, order, ship, settings, unreachable_smtp
):
    settings.DELIVERY_MAX_ATTEMPTS = 1
    ship(order)
    email_log = EmailLog.objects.get()
    assert (email_log.status, email_log.attempts) == ("failed", 1)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    response = admin_client.post(
        reverse("admin:notifications_emaillog_changelist"),
        {"action": "retry", "_selected_action": [email_log.pk]},
        follow=True,
    )

    assert "1 email(s) queued" in response.text
    email_log.refresh_from_db()
    assert (email_log.status, email_log.attempts) == ("sent", 2)
    assert len(mail.outbox) == 1


def test_retry_action_sends_failed_warehouse_notices_again(
    admin_client, order, ship, settings, unreachable_smtp
):
    settings.DELIVERY_MAX_ATTEMPTS = 1
    ship(order)
    notice = WarehouseNotice.objects.get()
    assert (notice.status, notice.attempts) == ("failed", 1)
    assert "ConnectionRefusedError" in notice.last_error
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

    response = admin_client.post(
        reverse("admin:warehouse_warehousenotice_changelist"),
        {"action": "retry", "_selected_action": [notice.pk]},
        follow=True,
    )

    assert "1 notice(s) queued" in response.text
    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == ("sent", 2)
    assert [m.subject for m in mail.outbox if "Pack order" in m.subject] == [
        f"Pack order {order.number}"
    ]
