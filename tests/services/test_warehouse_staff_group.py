"""post_migrate builds the "Warehouse staff" group: exactly its permissions, idempotently."""

import pytest
from django.contrib.auth.models import Group
from django.core.management.sql import emit_post_migrate_signal

from tests.factories import StaffFactory
from tests.support.wiring import builtin_receiver, disconnected
from warehouse.receivers import CREATE_STAFF_GROUP_UID
from warehouse.roles import WAREHOUSE_STAFF_GROUP

pytestmark = pytest.mark.django_db

EXPECTED_PERMISSIONS = {
    "orders.view_order",
    "orders.ship_order",
    "orders.view_product",
    "orders.view_orderitem",
    "orders.view_shipment",
    "orders.view_orderevent",
    "warehouse.view_warehousenotice",
    "warehouse.acknowledge_warehousenotice",
}


def group_permissions() -> set[str]:
    group = Group.objects.get(name=WAREHOUSE_STAFF_GROUP)
    return {
        f"{app_label}.{codename}"
        for app_label, codename in group.permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def post_migrate() -> None:
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")


def test_migrate_built_the_group_with_exactly_its_permissions():
    assert group_permissions() == EXPECTED_PERMISSIONS


def test_a_member_sees_and_ships_orders_but_cannot_edit_them_or_prices():
    member = StaffFactory.create(ship_permission=False)
    member.groups.add(Group.objects.get(name=WAREHOUSE_STAFF_GROUP))

    assert member.has_perms(EXPECTED_PERMISSIONS)
    assert not member.has_perm("orders.change_order")
    assert not member.has_perm("orders.change_product")
    assert not member.has_perm("notifications.view_emaillog")


def test_post_migrate_rebuilds_a_deleted_group_and_resets_a_changed_one():
    Group.objects.filter(name=WAREHOUSE_STAFF_GROUP).delete()
    post_migrate()
    assert group_permissions() == EXPECTED_PERMISSIONS

    group = Group.objects.get(name=WAREHOUSE_STAFF_GROUP)
    group.permissions.clear()
    post_migrate()
    post_migrate()
    assert group_permissions() == EXPECTED_PERMISSIONS
    assert Group.objects.filter(name=WAREHOUSE_STAFF_GROUP).count() == 1


def test_without_the_receiver_no_group_is_built():
    Group.objects.filter(name=WAREHOUSE_STAFF_GROUP).delete()
    with disconnected(builtin_receiver(CREATE_STAFF_GROUP_UID)):
        post_migrate()
    assert not Group.objects.filter(name=WAREHOUSE_STAFF_GROUP).exists()
