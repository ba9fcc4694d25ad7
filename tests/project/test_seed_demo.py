"""``manage.py seed_demo`` builds orders in every status and is safe to run again."""

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError

from notifications.models import EmailLog
from orders.models import Order, OrderEvent, Product
from warehouse.models import WarehouseNotice

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Order, Product, OrderEvent, EmailLog, WarehouseNotice)
    }


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
