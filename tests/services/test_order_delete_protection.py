"""Shipment.order is PROTECT: a shipped order cannot be deleted, one at a time, in bulk, or
from the admin (which refuses it earlier too). The race with a ship is in
test_order_delete_race.py."""

import pytest
from django.contrib.admin.models import LogEntry
from django.db import models, transaction
from django.db.models import ProtectedError
from django.urls import reverse

from orders.models import Order, Shipment
from orders.services import cancel_order
from tests.factories import OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_order_receivers(only_receivers):
    """Shipping here records no email log and no warehouse notice, whose foreign keys would
    protect the order too: only the shipment's PROTECT foreign key refuses a delete."""
    only_receivers()


# The refusal is raised inside the delete's transaction, so a caller already in a transaction
# (here, the test's) catches it around an atomic() block of its own: a savepoint.


def test_deleting_a_shipped_order_is_refused(shipped_order):
    refused = "referenced through protected foreign keys: .*'Shipment.order'"
    with pytest.raises(ProtectedError, match=refused), transaction.atomic():
        shipped_order.delete()
    assert Shipment.objects.filter(order=shipped_order).exists()


def test_a_stale_instance_is_refused_too(shipped_order):
    stale = Order.objects.get(pk=shipped_order.pk)
    stale.status = Order.Status.PLACED  # what it was when loaded, before another request shipped it
    with pytest.raises(ProtectedError), transaction.atomic():
        stale.delete()


def test_a_bulk_delete_with_one_shipped_order_deletes_nothing(shipped_order):
    placed = OrderFactory.create()
    with pytest.raises(ProtectedError), transaction.atomic():
        Order.objects.filter(pk__in=[placed.pk, shipped_order.pk]).delete()
    assert Order.objects.filter(pk__in=[placed.pk, shipped_order.pk]).count() == 2


def test_placed_and_cancelled_orders_can_be_deleted(customer):
    placed, cancelled = OrderFactory.create(), OrderFactory.create(customer=customer)
    cancel_order(order=cancelled, cancelled_by=customer)

    Order.objects.filter(pk__in=[placed.pk, cancelled.pk]).delete()

    assert not Order.objects.exists()


def test_with_a_cascading_foreign_key_a_shipped_order_would_be_deleted(shipped_order, monkeypatch):
    monkeypatch.setattr(Shipment._meta.get_field("order").remote_field, "on_delete", models.CASCADE)
    shipped_order.delete()
    assert not Order.objects.filter(pk=shipped_order.pk).exists()


def test_the_admin_delete_page_refuses_it(admin_client, shipped_order):
    """Before the collector looks: the admin gives only placed orders a delete permission
    (tests/admin/test_history_orders_read_only.py)."""
    response = admin_client.post(
        reverse("admin:orders_order_delete", args=[shipped_order.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert Order.objects.filter(pk=shipped_order.pk).exists()
    assert not LogEntry.objects.exists()


def test_the_admin_bulk_delete_action_shows_the_refusal(admin_client, shipped_order):
    placed = OrderFactory.create()
    changelist = reverse("admin:orders_order_changelist")

    response = admin_client.post(
        changelist,
        {
            "action": "delete_selected",
            "_selected_action": [placed.pk, shipped_order.pk],
            "post": "yes",
        },
        follow=True,
    )

    assert response.status_code == 200
    assert "Cannot delete orders" in response.text
    # The admin's own refusal (no delete permission for an order that is not placed) comes
    # before the collector's.
    assert "permission to delete the following types of objects" in response.text
    assert Order.objects.filter(pk__in=[placed.pk, shipped_order.pk]).count() == 2
    assert not LogEntry.objects.exists()


def test_the_admin_bulk_delete_action_still_deletes_placed_orders(admin_client):
    placed = OrderFactory.create()
    admin_client.post(
        reverse("admin:orders_order_changelist"),
        {"action": "delete_selected", "_selected_action": [placed.pk], "post": "yes"},
    )
    assert not Order.objects.filter(pk=placed.pk).exists()
    assert LogEntry.objects.count() == 1
