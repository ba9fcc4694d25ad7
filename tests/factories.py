"""factory-boy factories: the one place tests and ``seed_demo`` get users, products and orders.

``OrderFactory`` writes a placed order directly; shipping and cancelling always go through
the services, so that events are recorded and receivers run as in production.
"""

from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission, User
from factory.django import DjangoModelFactory

from orders.models import Order, OrderItem, Product
from warehouse.roles import WAREHOUSE_STAFF_GROUP

DEFAULT_PASSWORD = "correct-horse-battery"


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"customer{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password(DEFAULT_PASSWORD)


class StaffFactory(UserFactory):
    """Staff who ship orders: ``orders.ship_order`` is what the ship endpoint and admin page
    need. ``StaffFactory(ship_permission=False)`` makes staff without it."""

    username = factory.Sequence(lambda n: f"staff{n}")
    is_staff = True

    @factory.post_generation
    def ship_permission(user: User, create: bool, extracted: bool | None, **kwargs) -> None:
        if create and extracted is not False:
            user.user_permissions.add(
                Permission.objects.get(content_type__app_label="orders", codename="ship_order")
            )


class WarehouseStaffFactory(UserFactory):
    """A member of the "Warehouse staff" group that post_migrate builds, with no permission of
    their own: whatever they may do, the group grants."""

    username = factory.Sequence(lambda n: f"clerk{n}")
    is_staff = True

    @factory.post_generation
    def warehouse_group(user: User, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            user.groups.add(Group.objects.get(name=WAREHOUSE_STAFF_GROUP))


class AdminFactory(StaffFactory):
    username = factory.Sequence(lambda n: f"admin{n}")
    is_superuser = True


class ProductFactory(DjangoModelFactory[Product]):
    class Meta:
        model = Product
        django_get_or_create = ("sku",)

    sku = factory.Sequence(lambda n: f"SKU-{n:04d}")
    name = factory.Faker("catch_phrase")
    price = factory.Faker("pydecimal", left_digits=3, right_digits=2, min_value=Decimal("1"))


class OrderFactory(DjangoModelFactory[Order]):
    """A placed order. Pass ``items=N`` to add N order lines."""

    class Meta:
        model = Order
        skip_postgeneration_save = True

    number = factory.Sequence(lambda n: f"T-{n:06d}")
    customer = factory.SubFactory(UserFactory)
    shipping_address = factory.Faker("address")

    @factory.post_generation
    def items(order: Order, create: bool, extracted: int | None, **kwargs) -> None:
        if create:
            OrderItemFactory.create_batch(1 if extracted is None else extracted, order=order)


class OrderItemFactory(DjangoModelFactory[OrderItem]):
    class Meta:
        model = OrderItem

    order = factory.SubFactory(OrderFactory, items=0)
    product = factory.SubFactory(ProductFactory)
    quantity = factory.Faker("random_int", min=1, max=5)
    unit_price = factory.SelfAttribute("product.price")


class WebhookStaffFactory(UserFactory):
    """Staff holding every permission of the webhooks app: endpoints and deliveries."""

    username = factory.Sequence(lambda n: f"integrator{n}")
    is_staff = True

    @factory.post_generation
    def webhook_permissions(user: User, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            user.user_permissions.add(
                *Permission.objects.filter(content_type__app_label="webhooks")
            )
