"""History (emails, live watchers, warehouse notices, an order's items, shipment and events) is
read-only in the admin, through one mixin: even a superuser can view it but not add or edit."""

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from notifications.models import EmailLog, LiveWatcher
from orders.admin import OrderEventInline, OrderItemInline, ReadOnlyAdminMixin, ShipmentInline
from orders.models import Order
from orders.services import ship_order
from tests.factories import DEFAULT_PASSWORD
from warehouse.models import WarehouseNotice

pytestmark = pytest.mark.django_db

READ_ONLY_MODELS = [EmailLog, LiveWatcher, WarehouseNotice]
READ_ONLY_INLINES = [OrderItemInline, ShipmentInline, OrderEventInline]


@pytest.fixture
def superuser_request(superuser):
    request = RequestFactory().get("/admin/")
    request.user = superuser
    return request


def test_the_read_only_admins_and_inlines_share_the_mixin():
    for model in READ_ONLY_MODELS:
        assert isinstance(admin.site._registry[model], ReadOnlyAdminMixin), model
    for inline in READ_ONLY_INLINES:
        assert issubclass(inline, ReadOnlyAdminMixin), inline


@pytest.mark.parametrize("model", READ_ONLY_MODELS)
def test_a_superuser_may_view_but_not_add_or_change(superuser_request, model):
    model_admin = admin.site._registry[model]
    assert model_admin.has_view_permission(superuser_request)
    assert not model_admin.has_add_permission(superuser_request)
    assert not model_admin.has_change_permission(superuser_request)


@pytest.mark.parametrize("inline", READ_ONLY_INLINES)
def test_the_order_pages_inlines_add_and_change_nothing(superuser_request, order, inline):
    inline_admin = inline(Order, admin.site)
    assert not inline_admin.has_add_permission(superuser_request, order)
    assert not inline_admin.has_change_permission(superuser_request, order)


def test_the_add_and_change_pages_refuse_a_superuser(
    client, superuser, order, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ship_order(order_id=order.pk, shipped_by=superuser, carrier="dhl", tracking_number="JD0001")
    watcher = LiveWatcher.objects.create(
        channel_name="test.1", user=order.customer, path="/ws/orders/", last_seen_at=timezone.now()
    )
    records = [EmailLog.objects.get(), watcher, WarehouseNotice.objects.get()]
    client.login(username=superuser.username, password=DEFAULT_PASSWORD)

    for record in records:
        opts = record._meta
        add_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
        change_url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[record.pk])
        assert client.get(add_url).status_code == 403, add_url
        assert client.get(change_url).status_code == 200, change_url  # shown read-only
        assert client.post(change_url, {}).status_code == 403, change_url
