"""The order list ("Recent orders" for staff, "My orders" for a customer) as the server renders
it for its live updates: the ws/orders/ feed's position it goes live from, the row template the
live rows are built from, and no inline script. The updates themselves are driven in a browser
by tests/live/test_staff_orders_live.py."""

import json
import re

import pytest
from django.urls import reverse

from orders.models import OrderEvent, OrderStatus
from tests.factories import OrderFactory
from tests.support.clients import log_in

pytestmark = pytest.mark.django_db

SCRIPT = re.compile(r'<script type="module" src="[^"]*/orders/home\.js" id="home-script"([^>]*)>')


def script_data(page: str) -> dict[str, str]:
    match = SCRIPT.search(page)
    assert match, "the page loads home.js as a file (the CSP allows no inline script)"
    return dict(re.findall(r'data-([a-z-]+)="([^"]*)"', match.group(1)))


def test_each_goes_live_from_the_head_of_its_own_feed(
    client, customer, other_customer, staff, ship
):
    mine = ship(OrderFactory.create(customer=customer))
    theirs = ship(OrderFactory.create(customer=other_customer))
    my_head = OrderEvent.objects.get(order=mine).position
    head = OrderEvent.objects.get(order=theirs).position
    assert my_head is not None
    assert head is not None
    assert my_head < head

    assert script_data(log_in(client, customer).get(reverse("home")).text)["after"] == str(my_head)
    assert script_data(log_in(client, staff).get(reverse("home")).text)["after"] == str(head)


def test_live_rows_have_the_server_rows_cells_and_labels(client, customer, order):
    page = log_in(client, customer).get(reverse("home")).text
    rendered = page[page.index("<tbody>") : page.index("</tbody>")]
    template = page[page.index('<template id="order-row-template">') :]
    template = template[: template.index("</template>")]

    for cells in (rendered, template):
        assert re.findall(r'<td data-label="(\w+)"', cells) == ["Order", "Placed", "Status"]
        assert 'class="order-status badge badge-' in cells
        assert 'class="order-link"' in cells
    assert f'<tr data-order-id="{order.pk}">' in rendered
    assert f'href="/orders/{order.pk}/track/"' in rendered
    data = script_data(page)
    assert data["track-url"] == reverse("track-order", args=[0])
    assert data["limit"] == "50"
    labels = re.search(r'<script id="status-labels" type="application/json">(.*?)</script>', page)
    assert labels
    assert json.loads(labels.group(1)) == dict(OrderStatus.choices)
    assert " style=" not in page, "no inline style under the CSP"


def test_an_empty_list_is_ready_for_its_first_order(client, customer):
    page = log_in(client, customer).get(reverse("home")).text

    assert '<table id="orders" hidden>' in page
    assert '<p id="no-orders">No orders yet.' in page
    assert '<template id="order-row-template">' in page
    assert script_data(page)["after"] == "0"


def test_the_nav_names_the_list_as_its_heading_does(client, customer, staff):
    nav = re.compile(r'<nav aria-label="Main">\s*<a href="/">([^<]+)</a>')
    for user, name in ((customer, "My orders"), (staff, "Recent orders")):
        page = log_in(client, user).get(reverse("home")).text
        assert nav.search(page)[1] == name  # type: ignore[index]
        assert f"<h1>{name}</h1>" in page
