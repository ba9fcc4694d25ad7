"""The admin as staff see it in a real browser (uvicorn, PostgreSQL, Redis), at 1366 x 768, a
common laptop screen:

1. The order list reads on one line per order: numbers and dates do not wrap, and the last
   column ("Last shipped at") is within the window, not cut off.
2. The ship page picks a subset of the lines; the order page then shows what remains, and the
   bulk action ships the rest.
3. Warehouse staff see the parcel's contents on the order page, but not the customer's email.

Screenshots go to the screenshot directory (``SCREENSHOT_DIR=docs/screenshots`` refreshes the
committed ones).
"""

from collections.abc import Iterator

import pytest
from playwright.sync_api import expect
from rest_framework.authtoken.models import Token

from orders.models import Order, OrderItem
from orders.services import ship_order
from tests.factories import DEFAULT_PASSWORD, AdminFactory, OrderFactory, WarehouseStaffFactory
from tests.support.live_services import post_json

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1366, "height": 768}


@pytest.fixture(autouse=True)
def _within_the_content_security_policy(page) -> Iterator[None]:
    """The admin's stylesheet and pages load under the site's CSP: Chromium reports each
    refused style or script on the console."""
    refused: list[str] = []

    def note(message) -> None:
        if "Content Security Policy" in message.text:
            refused.append(f"{message.text} ({page.url})")

    page.on("console", note)
    yield
    assert refused == []


@pytest.fixture(autouse=True)
def _real_password_hashing(settings):
    """The server process checks passwords with the production hashers."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]


@pytest.fixture
def laptop(page):
    page.set_viewport_size(LAPTOP)
    return page


def log_in(page, server, user) -> None:
    page.goto(f"{server.http}/admin/login/?next=/admin/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{server.http}/admin/")


def realistic_orders(count: int) -> list[Order]:
    """Orders numbered as place_order numbers them (date, hyphen, six characters), with
    customers' usernames of a realistic length."""
    return [
        OrderFactory.create(
            number=f"261201-7KQ{n}XZ", customer__username=f"margaret.hamilton{n}", items=3
        )
        for n in range(count)
    ]


def test_the_order_list_reads_at_1366_px(asgi_server, laptop, screenshot_dir):
    server = asgi_server()
    admin = AdminFactory.create()
    orders = realistic_orders(4)
    ship_order(order_id=orders[0].pk, shipped_by=admin, carrier="ups", tracking_number="1Z001")

    log_in(laptop, server, admin)
    laptop.goto(f"{server.http}/admin/orders/order/")
    expect(laptop.locator("#result_list tbody tr")).to_have_count(4)

    lines = laptop.evaluate(
        """() => [...document.querySelectorAll(
                '#result_list tbody .field-number a, #result_list tbody .field-created_at,'
                + ' #result_list tbody .field-shipped_at')]
            .map(cell => {
                const range = document.createRange();
                range.selectNodeContents(cell);
                const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
                return [cell.textContent.trim(), tops.size];
            })"""
    )
    wrapped = [text for text, line_count in lines if line_count > 1]
    assert len(lines) == 12
    assert wrapped == [], f"wrapped at 1366 px: {wrapped}"
    last = laptop.locator("#result_list thead th.column-shipped_at")
    expect(last).to_contain_text("Last shipped at")
    # The list scrolls inside its box rather than widen the page: cut off means outside it.
    widths = laptop.evaluate(
        """() => {
            const box = document.querySelector('#changelist .results');
            return {
                box: box.getBoundingClientRect().right,
                last: document.querySelector('#result_list th.column-shipped_at')
                    .getBoundingClientRect().right,
                scroll: box.scrollWidth, client: box.clientWidth,
                columns: [...document.querySelectorAll('#result_list thead th')]
                    .map(th => [th.className, Math.round(th.getBoundingClientRect().width)]),
            };
        }"""
    )
    print(widths)
    assert widths["scroll"] <= widths["client"], f"the list scrolls: {widths}"
    assert widths["last"] <= min(widths["box"], LAPTOP["width"]), f"cut off: {widths}"
    assert laptop.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    laptop.screenshot(path=screenshot_dir / "admin-order-list.png")


def test_staff_ship_part_of_an_order_then_the_rest(asgi_server, laptop, screenshot_dir):
    server = asgi_server()
    admin = AdminFactory.create()
    [order] = realistic_orders(1)
    OrderItem.objects.filter(order=order).update(quantity=2)
    first, second, third = order.items.all()

    log_in(laptop, server, admin)
    laptop.goto(f"{server.http}/admin/orders/order/{order.pk}/change/")
    laptop.get_by_role("link", name="Ship order").click()
    pick_list = laptop.locator(".pick-list tbody tr")
    expect(pick_list).to_have_count(3)
    expect(pick_list.first).to_contain_text(first.product.sku)
    laptop.get_by_label("Carrier").select_option("dhl")
    laptop.get_by_label("Tracking number").fill("JD0147250001")
    laptop.get_by_label(f"Quantity of {first.product.sku} to ship").fill("1")
    laptop.get_by_label(f"Quantity of {third.product.sku} to ship").fill("0")
    laptop.screenshot(path=screenshot_dir / "admin-ship-page.png", full_page=True)
    laptop.get_by_role("button", name="Ship order").click()

    expect(laptop.locator(".messagelist")).to_contain_text(
        f"Order {order.number} was partially shipped."
    )
    expect(laptop.locator("#shipments-group")).to_contain_text(
        f"1 x {first.product.sku}; 2 x {second.product.sku}"
    )
    shipped = dict(OrderItem.objects.filter(order=order).values_list("id", "shipped_quantity"))
    assert shipped == {first.pk: 1, second.pk: 2, third.pk: 0}

    laptop.goto(f"{server.http}/admin/orders/order/?status__exact=partially_shipped")
    laptop.locator(f"input[name=_selected_action][value='{order.pk}']").check()
    laptop.locator("select[name=action]").select_option("ship_selected")
    laptop.get_by_role("button", name="Go").click()
    remaining = laptop.locator(".pick-list tbody tr .remaining")
    expect(remaining).to_have_text(["1", "2"])
    laptop.get_by_label("Tracking number").fill("JD0147250002")
    laptop.screenshot(path=screenshot_dir / "admin-bulk-ship.png", full_page=True)
    laptop.get_by_role("button", name="Ship 1 order").click()

    expect(laptop.locator(".messagelist")).to_contain_text(f"Order {order.number} was shipped.")
    assert Order.objects.get(pk=order.pk).status == "shipped"


def test_warehouse_staff_see_the_parcel_not_the_email(asgi_server, laptop, screenshot_dir):
    server = asgi_server()
    clerk = WarehouseStaffFactory.create()
    [order] = realistic_orders(1)
    # Through the server, whose receivers (unlike this test process's) create the notice.
    token = Token.objects.create(user=clerk).key
    ship = {"carrier": "ups", "tracking_number": "1Z002"}
    assert post_json(f"{server.http}/api/orders/{order.pk}/ship/", ship, token)[0] == 200

    log_in(laptop, server, clerk)
    laptop.goto(f"{server.http}/admin/orders/order/{order.pk}/change/")

    items = laptop.locator("#items-group tbody tr.has_original")
    expect(items).to_have_count(3)
    for item in order.items.all():
        expect(laptop.locator("#items-group")).to_contain_text(item.product.sku)
    expect(laptop.locator("#shipments-group")).to_contain_text("1Z002")
    expect(laptop.locator("#events-group")).to_contain_text("Shipped")
    expect(laptop.locator("body")).not_to_contain_text(order.customer.email)
    expect(laptop.locator("input[name=_save]")).to_have_count(0)
    expect(laptop.locator(".field-warehouse_notice_state")).to_contain_text("Sent")
    laptop.screenshot(path=screenshot_dir / "admin-order-warehouse.png", full_page=True)
