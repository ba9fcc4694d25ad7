"""A customer orders from the catalogue page in a real browser (uvicorn, PostgreSQL, Redis),
lands on the order's tracking page, and staff connected to the ``ws/orders/`` feed see the
order arrive live. A form error is shown on the page, not a 500. Under the site's CSP, with
no violation (the fixture comes from the other browser journeys)."""

import json
import re
import time
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from rest_framework.authtoken.models import Token
from websockets.sync.client import ClientConnection, connect

from orders.models import Order
from tests.factories import ProductFactory, StaffFactory, UserFactory
from tests.support.journeys import (  # noqa: F401 (autouse fixtures)
    _real_password_hashing,
    log_in,
    no_csp_violations,
)

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

LIVE_TIMEOUT_S = 5
ADDRESS = "Alice Example\n1 Demo Street\nSpringfield"


def next_of_type(feed: ClientConnection, message_type: str) -> dict:
    """The feed's next message of ``message_type``, skipping others (the ``head`` frame)."""
    deadline = time.monotonic() + LIVE_TIMEOUT_S
    while (left := deadline - time.monotonic()) > 0:
        message = json.loads(feed.recv(timeout=left))
        if message["type"] == message_type:
            return message
    raise AssertionError(f"no {message_type} within {LIVE_TIMEOUT_S} s")


def test_customer_orders_from_the_catalogue_and_staff_see_it_live(
    asgi_server, page, screenshot_dir
):
    server = asgi_server()
    customer, staff = UserFactory.create(), StaffFactory.create()
    mug = ProductFactory.create(name="Enamel camping mug", price=Decimal("12.50"))
    ProductFactory.create(name="Canvas tote bag", price=Decimal("18.90"))
    token = Token.objects.create(user=staff).key

    with connect(
        f"{server.ws}/ws/orders/", additional_headers={"Authorization": f"Token {token}"}
    ) as staff_feed:
        log_in(page, server, customer, "/")
        page.get_by_role("navigation").get_by_role("link", name="Catalogue").click()
        page.wait_for_url(f"{server.http}/catalogue/")
        page.get_by_role("button", name="Place order").click()  # nothing chosen yet
        expect(page.get_by_role("alert")).to_have_text("Choose a quantity of at least one product.")
        expect(page.get_by_text("This field is required.")).to_be_visible()

        page.goto(f"{server.http}/catalogue/")
        page.get_by_label("Enamel camping mug").fill("2")
        page.get_by_label("Shipping address").fill(ADDRESS)
        page.screenshot(path=screenshot_dir / "catalogue-page.png", full_page=True)
        page.get_by_role("button", name="Place order").click()

        page.wait_for_url(re.compile(rf"^{re.escape(server.http)}/orders/\d+/track/$"))
        order = Order.objects.get(customer=customer)
        assert page.url == f"{server.http}/orders/{order.pk}/track/"
        expect(page.locator("#order-status")).to_have_text("Placed")
        expect(page.locator("h1")).to_have_text(f"Order {order.number}")
        placed = next_of_type(staff_feed, "order.placed")

    assert placed["order_id"] == order.pk
    assert placed["order_number"] == order.number
    assert placed["status"] == "placed"
    assert [(item.product_id, item.quantity) for item in order.items.all()] == [(mug.pk, 2)]
    assert order.shipping_address == ADDRESS
