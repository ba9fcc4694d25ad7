"""Concurrent writers on a SQLite file: ``python -m tests.support.sqlite_writers``.

DATABASE_URL names the file. Run in a subprocess by tests/project/test_sqlite_connections.py,
because the test database is in memory (or PostgreSQL). Each thread has its own connection, as
under ``runserver``, and places and ships orders; the last line printed is a JSON summary.
"""

import json
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

THREADS = 8
ORDERS_PER_THREAD = 10


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import OperationalError, connection

    from orders.services import OrderLine, place_order, ship_order
    from tests.factories import ProductFactory, StaffFactory, UserFactory

    call_command("migrate", verbosity=0)
    staff, product = StaffFactory.create(), ProductFactory.create()

    def writer(number: int) -> tuple[int, list[str]]:
        shipped, errors = 0, []
        try:
            customer = UserFactory.create()
            for n in range(ORDERS_PER_THREAD):
                try:
                    order = place_order(
                        customer=customer, lines=[OrderLine(product.pk, 1)], shipping_address="x"
                    )
                    ship_order(
                        order_id=order.pk,
                        shipped_by=staff,
                        carrier="dhl",
                        tracking_number=f"T{number}N{n}",
                    )
                    shipped += 1
                except OperationalError as exc:
                    errors.append(str(exc))
        finally:
            connection.close()
        return shipped, errors

    started = time.monotonic()
    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(writer, range(THREADS)))
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        (journal_mode,) = cursor.fetchone()
    summary = {
        "shipped": sum(shipped for shipped, _errors in results),
        "errors": [error for _shipped, errors in results for error in errors],
        "journal_mode": journal_mode,
        "seconds": round(time.monotonic() - started, 2),
    }
    sys.stdout.write(json.dumps(summary) + "\n")


if __name__ == "__main__":
    main()
