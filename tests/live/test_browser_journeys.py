"""Three journeys in a real browser against a real server process (uvicorn, PostgreSQL, Redis).

1. A customer on the tracking page sees the order turn shipped, with the tracking link,
   when staff ship it through the API, without reloading.
2. Staff log into the admin, ship an order from its ship page, and see a refused ship as an
   error message.
   A parcel then moves to delivered, from signed carrier events, while the page is open.
3. The warehouse page shows a new notice live, then its pick list sent; acknowledging it
   updates page and database.
4. The API docs (Swagger UI) load and list the operations; the browsable API's login and
   pages work.

Every journey runs under the site's Content-Security-Policy and fails on any violation the
browser reports; the live updates prove that the policy lets the page's websocket connect.

The shop runs in one time zone (``DJANGO_TIME_ZONE``) and the browser in another, with another
locale: a date pushed live must read exactly like the same date rendered by the server. At a
phone's width the stacked tables keep their column labels.
"""

import json
import re
import urllib.request
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect
from rest_framework.authtoken.models import Token

from orders.carriers import sign
from orders.models import Order, OrderEvent, Product
from tests.factories import (
    DEFAULT_PASSWORD,
    OrderFactory,
    StaffFactory,
    UserFactory,
    WarehouseStaffFactory,
)
from tests.support.journeys import (  # noqa: F401 (fixtures)
    LIVE_TIMEOUT_MS,
    PHONE,
    SHIP,
    _real_password_hashing,
    _shop_time_zone,
    assert_stacked_labels,
    log_in,
    no_csp_violations,
    page,
    shown,
)
from warehouse.models import WarehouseNotice

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def ship_through_api(server, order, staff) -> None:
    token = Token.objects.get_or_create(user=staff)[0].key
    request = urllib.request.Request(
        f"{server.http}/api/orders/{order.pk}/ship/",
        data=json.dumps(SHIP).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Token {token}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def test_customer_sees_the_shipment_live(
    asgi_server,
    page,  # noqa: F811 (the fixture imported above)
    screenshot_dir,
):
    server = asgi_server()
    customer, staff = UserFactory.create(), StaffFactory.create()
    order = OrderFactory.create(customer=customer, items=2)
    # A long name in the first column must wrap at phone width, not widen the page.
    long_name = "De-engineered needs-based pricing structure, extraordinarily-long-edition"
    first_item = order.items.first()
    assert first_item is not None
    Product.objects.filter(pk=first_item.product_id).update(name=long_name)

    log_in(page, server, customer, f"/orders/{order.pk}/track/")
    expect(page.locator("#order-status")).to_have_text("Placed")
    expect(page.locator("#live-status")).to_have_text("Live updates: on.")
    page.evaluate("window.notReloaded = true")

    ship_through_api(server, order, staff)

    expect(page.locator("#order-status")).to_have_text("Shipped", timeout=LIVE_TIMEOUT_MS)
    link = page.get_by_role("link", name="Track your parcel with the carrier")
    expect(link).to_have_attribute(
        "href", Order.objects.get(pk=order.pk).shipments.get().tracking_url
    )
    expect(page.locator("#shipment-tracking-number")).to_have_text(SHIP["tracking_number"])
    shipped = OrderEvent.objects.get(order=order, type="shipped")
    expect(page.locator("#timeline li")).to_have_text([f"Shipped {shown(shipped.created_at)}"])
    expect(page.locator("#live-status")).to_contain_text("is now shipped")
    assert page.evaluate("window.notReloaded") is True
    pushed = page.locator("#timeline li").all_inner_texts()
    page.screenshot(path=screenshot_dir / "tracking-page.png", full_page=True)

    page.reload()  # the same row, rendered by the server
    expect(page.locator("#timeline li")).to_have_text(pushed)

    page.set_viewport_size(PHONE)  # nothing cut off, and every stacked cell labelled
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    expect(page.locator("table thead")).to_be_hidden()
    assert_stacked_labels(
        page,
        {
            'td[data-label="Product"]': "Product",
            'td[data-label="Quantity"]': "Quantity",
            'td[data-label="Shipped"]': "Shipped",
            'td[data-label="Price"]': "Price",
            'td[data-label="Total"]': "Total",
        },
    )
    page.screenshot(path=screenshot_dir / "tracking-page-phone.png", full_page=True)

    page.goto(f"{server.http}/")
    assert_stacked_labels(
        page,
        {
            'td[data-label="Order"]': "Order",
            'td[data-label="Placed"]': "Placed",
            'td[data-label="Status"]': "Status",
        },
    )
    expect(page.locator('td[data-label="Placed"]')).to_have_text(shown(order.created_at))


def carrier_event(server, status: str, step: int) -> None:
    """A signed event from UPS to the server's ingest, with the demo secret it runs with (the
    same default as this process's)."""
    body = json.dumps(
        {
            "event_id": f"browser-{step}",
            "tracking_number": SHIP["tracking_number"],
            "status": status,
            "occurred_at": (timezone.now() - timedelta(minutes=10 - step)).isoformat(),
            "location": "Springfield",
        }
    ).encode()
    request = urllib.request.Request(
        f"{server.http}/api/carriers/ups/events/",
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-Carrier-Signature": sign(secret=settings.CARRIER_WEBHOOK_SECRETS["ups"], body=body),
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 202


def test_customer_sees_a_parcel_move_to_delivered(
    asgi_server,
    page,  # noqa: F811 (the fixture imported above)
    screenshot_dir,
):
    server = asgi_server()
    customer, staff = UserFactory.create(), StaffFactory.create()
    order = OrderFactory.create(customer=customer, items=2)
    log_in(page, server, customer, f"/orders/{order.pk}/track/")
    expect(page.locator("#live-status")).to_have_text("Live updates: on.")
    page.evaluate("window.notReloaded = true")

    ship_through_api(server, order, staff)
    parcel = page.locator("#parcels .parcel")
    expect(parcel).to_have_count(1, timeout=LIVE_TIMEOUT_MS)
    expect(parcel.locator(".parcel-status")).to_have_text("Shipped")
    for step, (status, label) in enumerate(
        [("in_transit", "In transit"), ("out_for_delivery", "Out for delivery")]
    ):
        carrier_event(server, status, step)
        expect(parcel.locator(".parcel-status")).to_have_text(label, timeout=LIVE_TIMEOUT_MS)
    expect(parcel.locator(".progress li.reached")).to_have_count(3)
    carrier_event(server, "delivered", 3)

    expect(parcel.locator(".parcel-status")).to_have_text("Delivered", timeout=LIVE_TIMEOUT_MS)
    expect(parcel.locator(".progress li.reached")).to_have_count(4)
    expect(page.locator("#order-status")).to_have_text("Delivered", timeout=LIVE_TIMEOUT_MS)
    assert page.evaluate("window.notReloaded") is True
    page.screenshot(path=screenshot_dir / "tracking-page-delivered.png", full_page=True)
    # Pushed dates read as the shop's, in its zone; after a reload the server's rows match.
    events = parcel.locator(".parcel-events li")
    expect(events).to_have_text(
        [
            f"{label}, Springfield {shown(tracking.occurred_at)}"
            for label, tracking in zip(
                ["In transit", "Out for delivery", "Delivered"],
                Order.objects.get(pk=order.pk)
                .shipments.get()
                .tracking_events.order_by("occurred_at"),
                strict=True,
            )
        ]
    )
    pushed = {
        "parcel": events.all_inner_texts(),
        "timeline": page.locator("#timeline li").all_inner_texts(),
    }
    page.reload()
    expect(events).to_have_text(pushed["parcel"])
    expect(page.locator("#timeline li")).to_have_text(pushed["timeline"])


def test_staff_ship_from_the_admin_and_see_a_refusal(
    asgi_server,
    page,  # noqa: F811 (the fixture imported above)
    screenshot_dir,
):
    server = asgi_server()
    staff = StaffFactory.create(is_superuser=True)
    first, second = OrderFactory.create(items=2), OrderFactory.create()

    page.goto(f"{server.http}/admin/login/?next=/admin/")
    page.get_by_label("Username").fill(staff.username)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"{server.http}/admin/orders/order/{first.pk}/change/")
    page.get_by_role("link", name="Ship order").click()
    page.get_by_label("Carrier").select_option("dhl")
    page.get_by_label("Tracking number").fill("JD0147250001")
    page.get_by_role("button", name="Ship order").click()

    expect(page.locator(".messagelist")).to_contain_text(f"Order {first.number} was shipped.")
    assert Order.objects.get(pk=first.pk).status == "shipped"
    page.screenshot(path=screenshot_dir / "admin-order.png", full_page=True)

    page.goto(f"{server.http}/admin/orders/order/{second.pk}/ship/")
    ship_through_api(server, second, StaffFactory.create())  # someone else ships it first
    page.get_by_label("Carrier").select_option("dhl")
    page.get_by_label("Tracking number").fill("JD0147250002")
    page.get_by_role("button", name="Ship order").click()

    expect(page.locator(".messagelist .error")).to_contain_text(
        f"Order {second.number} is shipped and cannot be shipped."
    )
    assert (
        Order.objects.get(pk=second.pk).shipments.get().tracking_number == SHIP["tracking_number"]
    )


def test_warehouse_page_shows_and_acknowledges_a_notice_live(
    asgi_server,
    page,  # noqa: F811 (the fixture imported above)
    screenshot_dir,
):
    server = asgi_server()
    clerk = WarehouseStaffFactory.create()
    order = OrderFactory.create(items=2)

    log_in(page, server, clerk, "/warehouse/")
    expect(page.locator("#live-status")).to_have_text("Live updates: on.")
    expect(page.get_by_text("Nothing to pack right now.")).to_be_visible()

    ship_through_api(server, order, StaffFactory.create())

    row = page.locator("#notices tbody tr", has_text=order.number)
    expect(row).to_be_visible(timeout=LIVE_TIMEOUT_MS)
    expect(row.get_by_role("listitem")).to_have_count(2)
    # The server runs tasks eagerly: the pick list is sent as soon as the notice is recorded.
    expect(row.locator(".badge")).to_have_text("Sent", timeout=LIVE_TIMEOUT_MS)
    assert WarehouseNotice.objects.get(order=order).status == "sent"
    page.screenshot(path=screenshot_dir / "warehouse-page.png", full_page=True)
    page.set_viewport_size(PHONE)
    assert_stacked_labels(
        page,
        {
            'td[data-label="Order"]': "Order",
            'td[data-label="Pack"]': "Pack",
            'td[data-label="Carrier"]': "Carrier",
            'td[data-label="Status"]': "Status",
        },
    )
    page.screenshot(path=screenshot_dir / "warehouse-page-phone.png", full_page=True)

    row.get_by_role("button", name=re.compile("Acknowledge")).click()

    expect(row).to_have_count(0, timeout=LIVE_TIMEOUT_MS)
    expect(page.locator("#live-status")).to_contain_text(f"Order {order.number} acknowledged")
    notice = WarehouseNotice.objects.get(order=order)
    assert notice.status == "acknowledged"
    assert notice.acknowledged_by == clerk


def test_the_api_docs_and_the_browsable_api_load(
    asgi_server,
    page,  # noqa: F811 (the fixture imported above)
):
    server = asgi_server()
    order = OrderFactory.create()

    page.goto(f"{server.http}/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Shop order workflow API")
    expect(page.locator(".opblock-summary-path", has_text="/api/orders/{id}/ship/")).to_be_visible()

    page.goto(f"{server.http}/api-auth/login/?next=/api/orders/")
    page.get_by_label("Username").fill(order.customer.username)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{server.http}/api/orders/")
    expect(page.locator(".response-info")).to_contain_text(order.number)
    page.get_by_role("button", name=f"Log out {order.customer.username}").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
