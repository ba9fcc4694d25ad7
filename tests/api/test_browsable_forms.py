"""The browsable API's forms for ship and create are built from what those actions take (their
input serializers), not from the order they answer with, before and after a POST."""

import json
from html.parser import HTMLParser

import pytest

pytestmark = pytest.mark.django_db

HTML = {"Accept": "text/html"}
ORDER_FIELDS = {"status", "items", "total", "shipping_address", "shipments", "number"}


class Forms(HTMLParser):
    """The page's forms that post to ``action``: the HTML form's field names, and the raw
    data form's initial content."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action = action
        self.fields: set[str] = set()
        self.raw: str | None = None
        self._in_form = self._in_raw = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "form":
            self._in_form = attributes.get("action") == self.action
        elif self._in_form and tag in {"input", "select", "textarea"}:
            name = attributes.get("name") or ""
            if name == "_content":
                self._in_raw, self.raw = True, ""
            elif not name.startswith(("_", "csrfmiddlewaretoken")):
                self.fields.add(name.split("[")[0].split(".")[0])

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False
        elif tag == "textarea":
            self._in_raw = False

    def handle_data(self, data: str) -> None:
        if self._in_raw and self.raw is not None:
            self.raw += data


def forms(response, action: str) -> Forms:
    parser = Forms(action)
    parser.feed(response.content.decode())
    return parser


def test_the_ship_forms_ask_for_the_parcel(staff_client, order):
    url = f"/api/orders/{order.pk}/ship/"
    page = forms(staff_client.get(url, headers=HTML), url)

    assert {"carrier", "tracking_number", "notify_customer"} <= page.fields
    assert not page.fields & ORDER_FIELDS
    assert page.raw is not None
    assert set(json.loads(page.raw)) == {"carrier", "tracking_number", "notify_customer", "lines"}


def test_after_shipping_the_form_still_asks_for_a_parcel(staff_client, order):
    url = f"/api/orders/{order.pk}/ship/"
    response = staff_client.post(
        url, {"carrier": "ups", "tracking_number": "1Z999"}, format="json", headers=HTML
    )

    assert response.status_code == 200
    page = forms(response, url)
    assert {"carrier", "tracking_number", "notify_customer"} <= page.fields
    assert not page.fields & ORDER_FIELDS
    assert "1Z999" not in (page.raw or "")


def test_the_create_forms_ask_for_items_and_an_address(customer_client):
    page = forms(customer_client.get("/api/orders/", headers=HTML), "/api/orders/")

    assert page.raw is not None
    assert set(json.loads(page.raw)) == {"items", "shipping_address"}
    assert "shipping_address" in page.fields
    assert not page.fields & (ORDER_FIELDS - {"items", "shipping_address"})


def test_the_json_answers_are_still_the_order(staff_client, customer_client, order, product):
    created = customer_client.post(
        "/api/orders/",
        {"items": [{"product": product.pk, "quantity": 1}], "shipping_address": "1 Road"},
        format="json",
    )
    shipped = staff_client.post(
        f"/api/orders/{order.pk}/ship/",
        {"carrier": "ups", "tracking_number": "1Z999"},
        format="json",
    )

    assert created.status_code == 201
    assert shipped.status_code == 200
    assert set(created.json()) & set(shipped.json()) >= ORDER_FIELDS
