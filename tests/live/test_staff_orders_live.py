"""Staff watch the "Recent orders" page while a customer orders from the catalogue in another
browser: the order appears at the top without a reload, with its number, status and date as the
server renders them, and its status follows it as it ships; a row the server rendered follows
its cancellation. Another customer's "My orders" stays without it.

In a real browser under the site's CSP, the shop and the browser in different time zones and
locales (the fixtures come from tests/support/journeys.py): on uvicorn, PostgreSQL and Redis,
and on the embedded defaults as ``make run`` serves them (runserver, SQLite, the in-memory
channel layer), with the demo's users.
"""

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from rest_framework.authtoken.models import Token

from orders.models import Order, OrderEvent
from tests.factories import OrderFactory, ProductFactory, StaffFactory, UserFactory
from tests.support.demo_api import DEMO_PASSWORD, call, token_for
from tests.support.journeys import (  # noqa: F401 (fixtures)
    BROWSER,
    LIVE_TIMEOUT_MS,
    PHONE,
    SHIP,
    SHOP_ZONE,
    _real_password_hashing,
    _shop_time_zone,
    assert_stacked_labels,
    log_in,
    no_csp_violations,
    page,
    shown,
)
from tests.support.live_services import (
    BASE_DIR,
    ASGIServer,
    free_port,
    healthy,
    post_json,
    wait_for,
)

ADDRESS = "Alice Example\n1 Demo Street\nSpringfield"
SEED_TIMEOUT = 120  # a fresh SQLite file migrated and seeded on a busy 2-core machine


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


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
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


@pytest.fixture
def embedded_server(tmp_path) -> Iterator[ASGIServer]:
    """The shop as ``make run`` serves it: ``runserver`` (Daphne), a SQLite file with the demo
    data, the in-memory channel layer and eager Celery; nothing from this run's services."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "LOG_", "DATABASE_", "REDIS_", "CELERY_"))
    }
    env |= {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_EMAIL_FILE_PATH": str(tmp_path / "emails"),
        "DJANGO_TIME_ZONE": SHOP_ZONE,
    }
    manage = [sys.executable, "manage.py"]
    for command in (["migrate", "-v0"], ["seed_demo"]):
        subprocess.run(
            [*manage, *command], cwd=BASE_DIR, env=env, check=True, capture_output=True,
            timeout=SEED_TIMEOUT,
        )  # fmt: skip
    port = free_port()
    process = subprocess.Popen(
        [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"], cwd=BASE_DIR, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    server = ASGIServer(port=port, process=process)
    try:
        wait_for(lambda: healthy(f"{server.http}/health/"), timeout=SEED_TIMEOUT, what="runserver")
        yield server
    finally:
        process.terminate()
        process.wait(timeout=20)


def demo_log_in(browser_page, server: ASGIServer, username: str, next_path: str) -> None:
    browser_page.goto(f"{server.http}/accounts/login/?next={next_path}")
    browser_page.get_by_label("Username").fill(username)
    browser_page.get_by_label("Password").fill(DEMO_PASSWORD)
    browser_page.get_by_role("button", name="Log in").click()
    browser_page.wait_for_url(f"{server.http}{next_path}")


def test_the_staff_page_is_live_on_the_embedded_defaults_too(
    embedded_server,
    page,  # noqa: F811 (the fixture imported above)
    other_page,
):
    server = embedded_server
    demo_log_in(page, server, "warehouse", "/")  # the demo's staff member
    rows = page.locator("#orders tbody tr")
    expect(page.locator("#live-status")).to_have_text("Live updates: on.")
    rendered = rows.count()
    page.evaluate("window.notReloaded = true")

    shopper = other_page()
    demo_log_in(shopper, server, "alice", "/catalogue/")
    shopper.locator('input[type="number"]').first.fill("1")
    shopper.get_by_label("Shipping address").fill(ADDRESS)
    shopper.get_by_role("button", name="Place order").click()
    shopper.wait_for_url(re.compile(rf"^{re.escape(server.http)}/orders/\d+/track/$"))
    order_id = shopper.url.split("/")[-3]
    token = token_for(server.http, "warehouse")
    order = call(f"{server.http}/api/orders/{order_id}/", token=token)

    expect(rows).to_have_count(rendered + 1)
    expect(rows.first).to_have_attribute("data-order-id", order_id)
    placed = shown(datetime.fromisoformat(order["created_at"]))
    expect(rows.first.locator("td")).to_have_text(
        [order["number"], placed, "Placed", f"Track order {order['number']}"]
    )

    status, _ = post_json(f"{server.http}/api/orders/{order_id}/ship/", SHIP, token)
    assert status == 200
    expect(rows.first.locator(".order-status")).to_have_text("Shipped", timeout=LIVE_TIMEOUT_MS)
    assert page.evaluate("window.notReloaded") is True
    pushed = row_texts(rows.first)
    page.reload()
    assert row_texts(rows.first) == pushed
