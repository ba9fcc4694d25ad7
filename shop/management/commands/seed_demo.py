"""Demo data for the embedded default: staff, customers, products and orders in every status.

A project command, not an app's: it needs the orders app's services, the warehouse app's role,
and (for ``--reset``) every app's rows that hang off an order. Orders are built through the
services, so their events, emails and notices are real.
"""

from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from notifications.models import EmailLog
from orders.models import Order, OrderEvent, Product, Shipment
from orders.services import (
    OrderLine,
    ShipLine,
    cancel_order,
    place_order,
    record_tracking_event,
    ship_order,
)
from warehouse.models import WarehouseNotice
from warehouse.roles import WAREHOUSE_STAFF_GROUP

DEMO_PASSWORD = "demo-shop-2026"
PRODUCTS = [
    ("MUG-001", "Enamel camping mug", Decimal("12.50")),
    ("TEE-002", "Organic cotton T-shirt", Decimal("24.00")),
    ("BAG-003", "Canvas tote bag", Decimal("18.90")),
    ("PEN-004", "Brass fountain pen", Decimal("49.00")),
    ("NB-005", "Dot-grid notebook", Decimal("9.75")),
]


class Command(BaseCommand):
    help = (
        "Create demo users, products and orders in every status (placed, partially shipped, "
        "shipped, delivered, cancelled). Idempotent; --reset deletes the demo customers' orders "
        "first, so there are placed orders to ship again."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--force", action="store_true", help="Allow running with DJANGO_PRODUCTION=1."
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the demo customers' orders (and everything recorded about them), "
            "then seed again.",
        )

    def handle(self, *args, force: bool, reset: bool, **options) -> None:
        if settings.PRODUCTION and not force:
            raise CommandError("Refusing to load demo data in production (use --force).")
        warehouse_staff = Group.objects.filter(name=WAREHOUSE_STAFF_GROUP).first()
        if warehouse_staff is None:
            raise CommandError(f"No {WAREHOUSE_STAFF_GROUP!r} group: run manage.py migrate first.")
        admin = _user("admin", email="admin@shop.example", is_staff=True, is_superuser=True)
        warehouse = _user("warehouse", email="warehouse@shop.example", is_staff=True)
        warehouse.groups.add(warehouse_staff)  # the role comes from the group alone
        alice = _user("alice", email="alice@example.com", first_name="Alice", last_name="Example")
        bob = _user("bob", email="bob@example.com", first_name="Bob", last_name="Example")
        products = [
            Product.objects.get_or_create(sku=sku, defaults={"name": name, "price": price})[0]
            for sku, name, price in PRODUCTS
        ]

        if reset:
            deleted = _delete_orders(customers=[alice, bob])
            self.stdout.write(f"Deleted {deleted} demo orders.")
        for customer in (alice, bob):
            if Order.objects.filter(customer=customer).exists():
                continue
            address = f"{customer.get_username().title()} Example\n1 Demo Street\nSpringfield"
            _placed, partial, shipped, delivered, cancelled = (
                place_order(
                    customer=customer,
                    lines=[
                        OrderLine(product_id=p.pk, quantity=n + 1) for n, p in enumerate(chosen)
                    ],
                    shipping_address=address,
                )
                for chosen in (
                    products[:2],
                    products[1:3],
                    products[2:4],
                    products[3:],
                    products[4:],
                )
            )
            first_item = partial.items.first()
            assert first_item is not None  # placed above with lines
            ship_order(
                order_id=partial.pk,
                shipped_by=admin,
                carrier="ups",
                tracking_number=f"DEMO{partial.pk:06d}",
                lines=[ShipLine(item_id=first_item.pk, quantity=first_item.quantity)],
            )
            for order in (shipped, delivered):
                ship_order(
                    order_id=order.pk,
                    shipped_by=admin,
                    carrier="dhl",
                    tracking_number=f"DEMO{order.pk:06d}",
                )
            record_tracking_event(
                shipment_id=delivered.shipments.get().pk,
                event_id=f"demo-{delivered.pk}-delivered",
                status="delivered",
                occurred_at=timezone.now(),
                location="Springfield",
            )
            cancel_order(order=cancelled, cancelled_by=customer)

        self.stdout.write(
            self.style.SUCCESS(f"Demo data ready. Logins (password for all: {DEMO_PASSWORD}):")
        )
        for username, role in (
            ("admin", "superuser: admin site and API"),
            ("warehouse", "staff: ship orders (admin and API), warehouse notices"),
            ("alice", "customer"),
            ("bob", "customer"),
        ):
            self.stdout.write(f"  {username:<10} {role}")


@transaction.atomic
def _delete_orders(*, customers: list[User]) -> int:
    """Delete the customers' orders and every row about them; the number of orders deleted.

    Shipped orders are protected on purpose (``Shipment.order`` is ``PROTECT``, and so are the
    email logs' and notices' keys), so the rows that protect them go first, from the outside
    in; what is left cascades with the order (items, watchers, webhook deliveries). One
    transaction: a failure deletes nothing.
    """
    orders = Order.objects.filter(customer__in=customers)
    EmailLog.objects.filter(shipment__order__in=orders).delete()
    WarehouseNotice.objects.filter(order__in=orders).delete()
    OrderEvent.objects.filter(order__in=orders).delete()
    Shipment.objects.filter(order__in=orders).delete()
    return orders.delete()[1].get(Order._meta.label, 0)


def _user(username: str, **fields) -> User:
    """The demo user ``username``, created with the demo password the first time."""
    user, created = get_user_model().objects.get_or_create(username=username, defaults=fields)
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user
