"""Staff watch the "Recent orders" page while a customer orders from the catalogue in another
browser: the order appears at the top without a reload, with its number, status and date as the
server renders them, and its status follows it as it ships in two parcels; a row the server
rendered follows its cancellation. Another customer's "My orders" stays without it.

Real browser, uvicorn, PostgreSQL and Redis, under the site's CSP; the shop and the browser in
different time zones and locales (the fixtures come from the other browser journeys).
"""

import re
from collections.abc import Iterator
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from rest_framework.authtoken.models import Token

from orders.models import Order, OrderEvent
from tests.factories import OrderFactory, ProductFactory, StaffFactory, UserFactory
from tests.live.test_browser_journeys import (  # noqa: F401 (fixtures)
    BROWSER,
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
from tests.support.live_services import post_json

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

ADDRESS = "Alice Example\n1 Demo Street\nSpringfield"


@pytest.fixture
def other_page(browser) -> Iterator:
    """Another browser (its own cookies) for each customer."""
    contexts = []

    def new_page():
        contexts.append(browser.new_context(viewport={"width": 1100, "height": 800}, **BROWSER))
        return contexts[-1].new_page()

    yield new_page
    for context in contexts:
        context.close()


def row_texts(row) -> list[str]:
    return [text.strip() for text in row.locator("td").all_inner_texts()]


def test_a_placed_order_appears_on_the_staff_page_and_follows_its_status_live(
    asgi_server,
    page,  # noqa: F811 (the fixture imported above: staff, in the browser's own zone and locale)
    other_page,
    screenshot_dir,
):
    server = asgi_server()
    staff, customer, bystander = StaffFactory.create(), UserFactory.create(), UserFactory.create()
    ProductFactory.create(name="Enamel camping mug", price=Decimal("12.50"))
    ProductFactory.create(name="Canvas tote bag", price=Decimal("18.90"))
    earlier = OrderFactory.create(customer=customer)
    token = Token.objects.create(user=staff).key

    log_in(page, server, staff, "/")
    expect(page.locator("h1")).to_have_text("Recent orders")
    rows = page.locator("#orders tbody tr")
    expect(rows).to_have_count(1)
    expect(page.locator("#live-status")).to_have_text("Live updates: on.")
    page.evaluate("window.notReloaded = true")
    bystander_page = other_page()
    log_in(bystander_page, server, bystander, "/")
    expect(bystander_page.locator("#live-status")).to_have_text("Live updates: on.")

    shopper = other_page()
    log_in(shopper, server, customer, "/catalogue/")
    shopper.get_by_label("Enamel camping mug").fill("2")
    shopper.get_by_label("Canvas tote bag").fill("1")
    shopper.get_by_label("Shipping address").fill(ADDRESS)
    shopper.get_by_role("button", name="Place order").click()
    shopper.wait_for_url(re.compile(rf"^{re.escape(server.http)}/orders/\d+/track/$"))
    order = Order.objects.exclude(pk=earlier.pk).get(customer=customer)
    placed = OrderEvent.objects.get(order=order, type=OrderEvent.Type.PLACED)

    # At the top, without a reload, as the server renders a row.
    expect(rows).to_have_count(2)
    new_row = rows.first
    expect(new_row).to_have_attribute("data-order-id", str(order.pk))
    expect(new_row.locator("td")).to_have_text(
        [order.number, shown(placed.created_at), "Placed", f"Track order {order.number}"]
    )
    expect(new_row.get_by_role("link")).to_have_attribute("href", f"/orders/{order.pk}/track/")
    expect(page.locator("#live-status")).to_have_text(f"New order {order.number}.")

    mugs = order.items.get(product__name="Enamel camping mug")
    status, _ = post_json(
        f"{server.http}/api/orders/{order.pk}/ship/",
        {**SHIP, "lines": [{"item": mugs.pk, "quantity": 2}]},
        token,
    )
    assert status == 200
    status_badge = new_row.locator(".order-status")
    expect(status_badge).to_have_text("Partially shipped", timeout=LIVE_TIMEOUT_MS)
    expect(status_badge).to_have_class("order-status badge badge-partially_shipped")
    status, _ = post_json(f"{server.http}/api/orders/{order.pk}/ship/", SHIP, token)
    assert status == 200
    expect(status_badge).to_have_text("Shipped", timeout=LIVE_TIMEOUT_MS)
    expect(page.locator("#live-status")).to_have_text(f"Order {order.number} is now shipped.")

    status, _ = post_json(f"{server.http}/api/orders/{earlier.pk}/cancel/", {}, token)
    assert status == 200
    expect(rows.nth(1).locator(".order-status")).to_have_text("Cancelled", timeout=LIVE_TIMEOUT_MS)
    assert page.evaluate("window.notReloaded") is True
    page.screenshot(path=screenshot_dir / "staff-orders-live.png", full_page=True)

    # Another customer's list heard none of it: the feed only brings their own orders.
    expect(bystander_page.locator("#orders tbody tr")).to_have_count(0)
    expect(bystander_page.locator("#no-orders")).to_be_visible()

    pushed = [row_texts(row) for row in rows.all()]
    page.set_viewport_size(PHONE)  # the live row's stacked cells keep their labels
    assert_stacked_labels(
        page,
        {
            'td[data-label="Order"]': "Order",
            'td[data-label="Placed"]': "Placed",
            'td[data-label="Status"]': "Status",
        },
    )
    page.set_viewport_size({"width": 1100, "height": 800})

    page.reload()  # the same rows, rendered by the server
    expect(rows).to_have_count(2)
    assert [row_texts(row) for row in rows.all()] == pushed
    assert pushed[0][:3] == [order.number, shown(order.created_at), "Shipped"]
    assert pushed[1][2] == "Cancelled"
