"""The "Warehouse staff" role: a group with the least permissions warehouse work needs."""

from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.contrib.auth.management import create_permissions
from django.core.exceptions import ImproperlyConfigured
from django.db import router
from django.db.models import Q

WAREHOUSE_STAFF_GROUP = "Warehouse staff"

# (app label, codename). Orders are seen and shipped, not edited (ship_order, not change_order:
# a placed order's address stays the customer's), the catalogue only seen, so no price can be
# edited. The order page's items, parcels (with their lines and tracking) and events are seen,
# so staff know what goes in the parcel. Notices are seen and acknowledged; customer emails
# are none of it.
WAREHOUSE_STAFF_PERMISSIONS: tuple[tuple[str, str], ...] = (
    ("orders", "view_order"),
    ("orders", "ship_order"),
    ("orders", "view_product"),
    ("orders", "view_orderitem"),
    ("orders", "view_shipment"),
    ("orders", "view_orderevent"),
    ("warehouse", "view_warehousenotice"),
    ("warehouse", "acknowledge_warehousenotice"),
)


def sync_warehouse_staff_group(*, apps: Apps, using: str) -> None:
    """Create the group, or reset its permissions to exactly the list above. Idempotent.

    ``apps`` is the migrated state ``post_migrate`` passes: a database where auth or the
    apps the permissions belong to are not migrated yet is left alone.
    """
    labels = sorted({label for label, _codename in WAREHOUSE_STAFF_PERMISSIONS})
    try:
        group_model = apps.get_model("auth", "Group")
        permission_model = apps.get_model("auth", "Permission")
        for label in labels:
            apps.get_app_config(label)
    except LookupError:
        return
    if not router.allow_migrate_model(using, group_model):
        return
    # post_migrate runs app by app; make sure the permissions exist whatever the app order.
    for label in labels:
        create_permissions(global_apps.get_app_config(label), verbosity=0, using=using, apps=apps)

    wanted = Q()
    for label, codename in WAREHOUSE_STAFF_PERMISSIONS:
        wanted |= Q(content_type__app_label=label, codename=codename)
    permissions = list(permission_model.objects.using(using).filter(wanted))
    if len(permissions) != len(WAREHOUSE_STAFF_PERMISSIONS):
        found = {(p.content_type.app_label, p.codename) for p in permissions}
        missing = sorted(set(WAREHOUSE_STAFF_PERMISSIONS) - found)
        raise ImproperlyConfigured(f"{WAREHOUSE_STAFF_GROUP}: no such permissions {missing}")
    group, _created = group_model.objects.using(using).get_or_create(name=WAREHOUSE_STAFF_GROUP)
    group.permissions.set(permissions)
