"""pre_delete: a shipped order cannot be deleted, one at a time, in bulk, or from the admin."""

import pytest
from django.contrib.admin.models import LogEntry
from django.db import transaction
from django.db.models import ProtectedError
from django.urls import reverse

from orders.models import Order, Shipment
from orders.receivers import PROTECT_SHIPPED_UID
from orders.services import cancel_order, ship_order
from tests.factories import DEFAULT_PASSWORD, OrderFactory, StaffFactory
from tests.support.wiring import builtin_receiver, disconnected

pytestmark = pytest.mark.django_db


@pytest.fixture
def shipped(staff) -> Order:
    order = OrderFactory()
    ship_order(order=order, shipped_by=staff, carrier="dhl", tracking_number="JD0001")
    return order


@pytest.fixture
def admin_client(client):
    client.login(username=StaffFactory(is_superuser=True).username, password=DEFAULT_PASSWORD)
    return client


# The refusal is raised inside the delete's transaction, so a caller already in a transaction
# (here, the test's) catches it around an atomic() block of its own: a savepoint.


def test_deleting_a_shipped_order_is_refused(shipped):
    refused = f"Order {shipped.number} was shipped"
    with pytest.raises(ProtectedError, match=refused), transaction.atomic():
        shipped.delete()
    assert Shipment.objects.filter(order=shipped).exists()


def test_a_stale_instance_is_refused_too(shipped):
    stale = Order.objects.get(pk=shipped.pk)
    stale.status = Order.Status.PLACED  # what it was when loaded, before another request shipped it
    with pytest.raises(ProtectedError), transaction.atomic():
        stale.delete()


def test_a_bulk_delete_with_one_shipped_order_deletes_nothing(shipped):
    placed = OrderFactory()
    with pytest.raises(ProtectedError), transaction.atomic():
        Order.objects.filter(pk__in=[placed.pk, shipped.pk]).delete()
    assert Order.objects.filter(pk__in=[placed.pk, shipped.pk]).count() == 2


def test_placed_and_cancelled_orders_can_be_deleted(customer):
    placed, cancelled = OrderFactory(), OrderFactory(customer=customer)
    cancel_order(order=cancelled, cancelled_by=customer)

    Order.objects.filter(pk__in=[placed.pk, cancelled.pk]).delete()

    assert not Order.objects.exists()


def test_without_the_receiver_a_shipped_order_would_be_deleted(shipped):
    with disconnected(builtin_receiver(PROTECT_SHIPPED_UID)):
        shipped.delete()
    assert not Order.objects.filter(pk=shipped.pk).exists()


def test_the_admin_delete_page_shows_the_refusal(admin_client, shipped):
    change_url = reverse("admin:orders_order_change", args=[shipped.pk])

    response = admin_client.post(
        reverse("admin:orders_order_delete", args=[shipped.pk]), {"post": "yes"}, follow=True
    )

    assert response.redirect_chain[-1][0] == change_url
    assert f"Order {shipped.number} was shipped and cannot be deleted." in response.text
    assert Order.objects.filter(pk=shipped.pk).exists()
    assert not LogEntry.objects.exists(), "the deletion log entry is rolled back with the delete"


def test_the_admin_bulk_delete_action_shows_the_refusal(admin_client, shipped):
    placed = OrderFactory()
    changelist = reverse("admin:orders_order_changelist")

    response = admin_client.post(
        changelist,
        {"action": "delete_selected", "_selected_action": [placed.pk, shipped.pk], "post": "yes"},
        follow=True,
    )

    assert response.status_code == 200
    assert f"Order {shipped.number} was shipped and cannot be deleted. Nothing was deleted." in (
        response.text
    )
    assert Order.objects.filter(pk__in=[placed.pk, shipped.pk]).count() == 2
    assert not LogEntry.objects.exists()


def test_the_admin_bulk_delete_action_still_deletes_placed_orders(admin_client):
    placed = OrderFactory()
    admin_client.post(
        reverse("admin:orders_order_changelist"),
        {"action": "delete_selected", "_selected_action": [placed.pk], "post": "yes"},
    )
    assert not Order.objects.filter(pk=placed.pk).exists()
    assert LogEntry.objects.count() == 1
