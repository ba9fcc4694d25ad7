"""Migrate a fresh database and fill it in bulk for ``make bench``; write what the load needs.

Run by the harness as ``python bench/seed.py --orders N --customers M --out FILE`` from the
project root, with the stack's environment (DATABASE_URL pointing at an empty database). Rows
are written with ``bulk_create``, so 30,000 orders take seconds rather than the minutes that
``place_order`` one by one would; each placed order gets its ``placed`` event, already
positioned and dispatched, as ``place_order`` and the dispatcher would have left it. The
harness ships these orders through the API, so shipping runs the production code path.

Writes one JSON object: {"staff_token", "orders": [ids of placed orders],
"orders_by_items": {"1": [...], "10": [...], "30": [...]}} (the statement count ships those).
"""

import argparse
import json
import os
import sys
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ITEMS_PER_ORDER = 3
PRODUCTS = 40
STATEMENT_ITEM_COUNTS = (1, 10, 30)  # ships of orders this long are counted (bench/statements.py)
STATEMENT_ORDERS_EACH = 2  # the first is a warm-up
BATCH = 2000


def seed(*, orders: int, customers: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Permission
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from orders.models import EventSequence, Order, OrderEvent, OrderItem, Product

    call_command("migrate", verbosity=0, interactive=False)
    User = get_user_model()
    password = make_password("bench-password")  # hashed once for every user
    with transaction.atomic():
        staff = User.objects.create(
            username="bench-staff", email="staff@bench.example", is_staff=True, password=password
        )
        staff.user_permissions.add(
            Permission.objects.get(content_type__app_label="orders", codename="ship_order")
        )
        token = Token.objects.create(user=staff)
        buyers = User.objects.bulk_create(
            User(username=f"bench-customer{n}", email=f"c{n}@bench.example", password=password)
            for n in range(customers)
        )
        products = Product.objects.bulk_create(
            Product(sku=f"BENCH-{n:04d}", name=f"Bench product {n}", price=Decimal(f"{5 + n}.50"))
            for n in range(PRODUCTS)
        )

    lengths = [ITEMS_PER_ORDER] * orders
    for count in STATEMENT_ITEM_COUNTS:
        lengths += [count] * STATEMENT_ORDERS_EACH
    ids: list[int] = []
    position = 0
    last_of_customer: dict[int, int] = {}
    now = timezone.now()
    for start in range(0, len(lengths), BATCH):
        chunk = lengths[start : start + BATCH]
        with transaction.atomic():
            placed = Order.objects.bulk_create(
                Order(
                    number=f"B{start + n:09d}",
                    customer=buyers[(start + n) % customers],
                    shipping_address=f"{start + n} Bench Street, Testville",
                    last_position=start + n + 1,  # its placed event's, numbered below
                )
                for n in range(len(chunk))
            )
            items = []
            events = []
            for order, length in zip(placed, chunk, strict=True):
                lines = [
                    OrderItem(
                        order=order,
                        product=products[(order.pk + k) % PRODUCTS],
                        quantity=1 + k % 3,
                        unit_price=products[(order.pk + k) % PRODUCTS].price,
                    )
                    for k in range(length)
                ]
                items += lines
                position += 1
                assert order.last_position == position
                events.append(
                    OrderEvent(
                        order=order,
                        type=OrderEvent.Type.PLACED,
                        payload={
                            "order_number": order.number,
                            "status": order.status,
                            "items": [
                                {"sku": i.product.sku, "quantity": i.quantity} for i in lines
                            ],
                            "total": str(sum(i.unit_price * i.quantity for i in lines)),
                        },
                        dispatched_at=now,
                        position=position,
                        order_previous=0,
                        customer_previous=last_of_customer.get(order.customer_id, 0),
                    )
                )
                last_of_customer[order.customer_id] = position
            OrderItem.objects.bulk_create(items, batch_size=BATCH)
            OrderEvent.objects.bulk_create(events, batch_size=BATCH)
        ids += [order.pk for order in placed]
    EventSequence.objects.update_or_create(pk=1, defaults={"last_position": position})
    by_items: dict[str, list[int]] = {}
    offset = orders
    for count in STATEMENT_ITEM_COUNTS:
        by_items[str(count)] = ids[offset : offset + STATEMENT_ORDERS_EACH]
        offset += STATEMENT_ORDERS_EACH
    return {"staff_token": token.key, "orders": ids[:orders], "orders_by_items": by_items}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, required=True)
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    data = seed(orders=args.orders, customers=args.customers)
    args.out.write_text(json.dumps(data))


if __name__ == "__main__":
    main()
