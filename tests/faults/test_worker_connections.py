"""A worker keeps its PostgreSQL connection between tasks instead of opening one per task.

Celery's Django fixup closes the connection after every task by default, which costs a new
PostgreSQL session (a server process) per email and per warehouse notice.
``pg_stat_database.sessions`` counts every session the database has had, so the worker's
share is what it grows by while only the worker works. The restart test
(test_postgres_restart.py) shows a kept connection that the database dropped is replaced.
"""

import pytest

from tests.support.fault_services import ship

pytestmark = [pytest.mark.services, pytest.mark.faults]

ORDERS = 20
# The worker's own connection, beat's, the fixup's check at start-up and the two counter
# reads below; one per task (2 x ORDERS) is what the fixup alone would open.
AT_MOST = 6


def test_the_worker_reuses_its_connection_across_tasks(faults, capsys):
    shop = faults.create_orders(ORDERS)
    web = faults.start_web()
    assert [ship(web.http, order.id, shop.staff_token) for order in shop.orders] == [200] * ORDERS

    sessions = "SELECT sessions FROM pg_stat_database WHERE datname = current_database()"
    before = faults.scalar(sessions)
    faults.worker.start()
    delivery = faults.sink.wait_for_all(shop.expected_emails(), timeout=60)
    opened = faults.scalar(sessions) - before

    assert (delivery.delivered, delivery.duplicated, delivery.lost) == (2 * ORDERS, 0, 0)
    assert opened <= AT_MOST, f"{opened} sessions for {2 * ORDERS} tasks"
    with capsys.disabled():
        print(f"\nworker sessions: {opened} for {2 * ORDERS} tasks")
