"""Migrate a fresh database and fill it for ``asgi_servers.py``; print the tokens and order ids.

Run by asgi_servers.py as ``python bench/asgi_seed.py CUSTOMERS ORDERS`` from the project root, with
DATABASE_URL pointing at an empty database. Orders go through ``place_order``, as in production.
Prints one JSON object: {"staff_token", "customer_tokens", "orders": [[order id, customer index]]}.
"""

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def seed(*, customers: int, orders: int) -> dict:
    """Users with API tokens, a few products and ``orders`` placed orders spread over customers."""
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    from orders.services import OrderLine, place_order
    from tests.factories import ProductFactory, StaffFactory, UserFactory

    call_command("migrate", verbosity=0, interactive=False)
    staff = StaffFactory.create(username="bench-staff")
    buyers = [UserFactory.create(username=f"bench-customer{n}") for n in range(customers)]
    products = ProductFactory.create_batch(3)
    placed = [
        [
            place_order(
                customer=buyers[n % customers],
                lines=[OrderLine(product_id=p.pk, quantity=1 + n % 3) for p in products],
                shipping_address=f"{n} Bench Street, Testville",
            ).pk,
            n % customers,
        ]
        for n in range(orders)
    ]
    return {
        "staff_token": Token.objects.create(user=staff).key,
        "customer_tokens": [Token.objects.create(user=buyer).key for buyer in buyers],
        "orders": placed,
    }


def main() -> None:
    customers, orders = (int(arg) for arg in sys.argv[1:3])
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
    import django

    django.setup()
    print(json.dumps(seed(customers=customers, orders=orders)))


if __name__ == "__main__":
    main()
