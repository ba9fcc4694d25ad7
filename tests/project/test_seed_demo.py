"""``manage.py seed_demo`` builds orders in every status and is safe to run again;
``--reset`` deletes the demo customers' orders, and every row about them, and seeds again."""

from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils.timezone import now

from notifications.models import EmailLog, LiveWatcher
from orders.models import Order, OrderEvent, Product, Shipment, TrackingEvent
from warehouse.models import WarehouseNotice
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db


MODELS = (Order, Product, OrderEvent, Shipment, TrackingEvent, EmailLog, WarehouseNotice)


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def test_seed_demo_is_complete_and_idempotent(django_user_model, capsys):
    call_command("seed_demo")
    first = counts()
    call_command("seed_demo")

    assert counts() == first
    assert set(Order.objects.values_list("status", flat=True)) == set(Order.Status.values)
    assert django_user_model.objects.filter(is_staff=True).count() == 2
    assert django_user_model.objects.filter(is_staff=False).count() == 2
    assert django_user_model.objects.get(username="admin").check_password("demo-shop-2026")
    assert "alice" in capsys.readouterr().out
    warehouse = django_user_model.objects.get(username="warehouse")
    assert list(warehouse.groups.values_list("name", flat=True)) == ["Warehouse staff"]
    assert not warehouse.user_permissions.exists(), "the role comes from the group alone"
    assert warehouse.has_perm("warehouse.acknowledge_warehousenotice")
    assert not warehouse.has_perm("orders.change_product")


def test_seed_demo_needs_the_migrated_warehouse_group():
    Group.objects.filter(name="Warehouse staff").delete()
    with pytest.raises(CommandError, match=r"run manage\.py migrate first"):
        call_command("seed_demo")


def test_seed_demo_refuses_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo")
    assert not Order.objects.exists()


def test_reset_rebuilds_the_demo_and_leaves_other_orders_alone(
    django_user_model, shipped_order, ship
):
    call_command("seed_demo")
    fresh = counts()
    statuses = sorted(Order.objects.values_list("status", flat=True))
    alice = django_user_model.objects.get(username="alice")
    for placed in Order.objects.filter(customer__username__in=["alice", "bob"], status="placed"):
        ship(placed)  # what the curl guide does: nothing is left to ship
    demo_order = Order.objects.filter(customer=alice).first()
    assert demo_order is not None
    endpoint = Endpoint.objects.create(url="https://hooks.example.com/", secret="whsec_c2VjcmV0")
    Delivery.objects.create(
        endpoint=endpoint, event=demo_order.events.first(), order=demo_order, body="{}"
    )
    LiveWatcher.objects.create(
        channel_name="demo.1", user=alice, path="/ws/", order=demo_order, last_seen_at=now()
    )
    out = StringIO()

    call_command("seed_demo", reset=True, stdout=out)

    assert "Deleted 10 demo orders." in out.getvalue()
    assert counts() == fresh, "the demo is rebuilt, the other customer's order kept"
    assert sorted(Order.objects.values_list("status", flat=True)) == statuses
    assert Order.objects.filter(customer=alice, status="placed").exists()
    assert not Order.objects.filter(pk=demo_order.pk).exists()
    assert not Delivery.objects.exists()
    assert not LiveWatcher.objects.exists()
    shipped_order.refresh_from_db()
    assert shipped_order.status == "shipped"
    assert Shipment.objects.filter(order=shipped_order).exists()
    assert EmailLog.objects.filter(shipment__order=shipped_order).exists()
    assert WarehouseNotice.objects.filter(order=shipped_order).exists()


def test_reset_before_any_demo_just_seeds():
    call_command("seed_demo", reset=True, stdout=StringIO())
    assert set(Order.objects.values_list("status", flat=True)) == set(Order.Status.values)


def test_reset_refuses_production_without_force(settings):
    call_command("seed_demo", stdout=StringIO())
    before = counts()
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("seed_demo", reset=True)
    assert counts() == before
